"""Helpers of the production tests: what a warehouse published, row for row."""

from __future__ import annotations

from psycopg import sql

from rentan.warehouse import connect

# marts.data_version names the publication itself (its version, when it was built): it differs by design.
PER_PUBLICATION = {"marts.data_version"}


def published_rows(url: str, schemas: tuple[str, ...] = ("ops", "marts")) -> dict[str, list[str]]:
    """Every published relation -> its rows as text, sorted (both sides sort the same way)."""
    with connect(url) as conn:
        names = conn.execute(
            """select n.nspname, c.relname from pg_class as c join pg_namespace as n on c.relnamespace = n.oid
               where n.nspname = any(%s) and c.relkind in ('r', 'v') order by 1, 2""",
            (list(schemas),),
        ).fetchall()
        return {
            f"{schema}.{name}": [
                row[0]
                for row in conn.execute(
                    sql.SQL("select t::text from {} as t order by 1").format(sql.Identifier(schema, name))
                )
            ]
            for schema, name in names
            if f"{schema}.{name}" not in PER_PUBLICATION
        }


def differences(left: dict[str, list[str]], right: dict[str, list[str]], limit: int = 3) -> list[str]:
    """One line per relation that differs: missing on a side, or its first differing rows."""
    lines = []
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            lines.append(f"{name}: only in {'the first' if name in left else 'the second'}")
            continue
        if left[name] != right[name]:
            only_left = [r for r in left[name] if r not in set(right[name])][:limit]
            only_right = [r for r in right[name] if r not in set(left[name])][:limit]
            counts = f"{len(left[name])} vs {len(right[name])} rows"
            lines.append(f"{name}: {counts}; first only: {only_left}; second only: {only_right}")
    return lines
