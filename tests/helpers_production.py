"""Helpers of the production tests: what a warehouse published, row for row."""

from __future__ import annotations

from psycopg import sql

from rentan.warehouse import connect

# marts.data_version names the publication itself (its version, when it was built): it differs by design.
PER_PUBLICATION = {"marts.data_version"}


def load_order_column(name: str) -> bool:
    """A load batch's id (meta.load_manifest's identity): it numbers files in the order they were
    loaded, which differs between a year delivered month by month, workers loading in parallel and
    one run over the whole landing area; what the batch holds is compared through every other column."""
    return name == "batch_id" or name.endswith("_batch_id")


def published_rows(url: str, schemas: tuple[str, ...] = ("ops", "marts")) -> dict[str, list[str]]:
    """Every published relation -> its rows as text (load-order columns left out), sorted."""
    with connect(url) as conn:
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, name, column in conn.execute(
            """select n.nspname, c.relname, a.attname from pg_class as c
               join pg_namespace as n on c.relnamespace = n.oid
               join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               where n.nspname = any(%s) and c.relkind in ('r', 'v') order by 1, 2, a.attnum""",
            (list(schemas),),
        ):
            if not load_order_column(column):
                columns.setdefault((schema, name), []).append(column)
        return {
            f"{schema}.{name}": [
                row[0]
                for row in conn.execute(
                    sql.SQL("select row({})::text from {} as t order by 1").format(
                        sql.SQL(", ").join(sql.Identifier("t", c) for c in kept), sql.Identifier(schema, name)
                    )
                )
            ]
            for (schema, name), kept in columns.items()
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
