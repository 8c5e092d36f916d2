"""Import bi/superset/ (databases, datasets, charts, dashboards) into Superset, overwriting.

Runs inside .venv-bi: `python bi/superset_import.py ASSETS_DIR ADMIN_USERNAME`, with
RENTAN_BI_URL the warehouse URL of the BI login (rentan_bi_user). The database YAML in the
repository holds no password and a placeholder host: both come from RENTAN_BI_URL here, the
password through the importer's `passwords` (Superset stores it encrypted with its secret key).

With RENTAN_BI_ANALYST and RENTAN_BI_ANALYST_PASSWORD set, it also creates (or updates) the
analyst login: Superset's Gamma role (read and explore, no users, roles or databases to edit)
plus a role `rentan_analis` with `database_access` on the imported marts database only.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import yaml
from sqlalchemy.engine.url import make_url


def assets(directory: Path, bi_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """The import's files (path -> YAML text) with the database pointed at bi_url, and its passwords."""
    url = make_url(bi_url).set(drivername="postgresql+psycopg2")
    files, passwords = {}, {}
    for path in sorted(directory.rglob("*.yaml")):
        name = path.relative_to(directory).as_posix()
        text = path.read_text()
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = url.set(password=None).render_as_string(hide_password=False)
            text = yaml.safe_dump(config, allow_unicode=True)
            passwords[name] = url.password or ""
        files[name] = text
    return files, passwords


ANALYST_ROLE = "rentan_analis"


def analyst(security_manager, files: dict[str, str], username: str, password: str) -> None:
    """The analyst login: Gamma plus read access to the marts database the import brought in."""
    from superset import db
    from superset.models.core import Database

    role = security_manager.find_role(ANALYST_ROLE) or security_manager.add_role(ANALYST_ROLE)
    for name, text in files.items():
        if name.startswith("databases/"):
            database = db.session.query(Database).filter_by(uuid=uuid.UUID(yaml.safe_load(text)["uuid"])).one()
            permission = security_manager.add_permission_view_menu("database_access", database.perm)
            security_manager.add_permission_role(role, permission)
    roles = [security_manager.find_role("Gamma"), role]
    user = security_manager.find_user(username=username)
    if user is None:
        security_manager.add_user(username, "rentan", "analis", f"{username}@localhost", roles, password=password)
    else:
        user.roles = roles
        security_manager.reset_password(user.id, password)
    db.session.commit()


def main() -> int:
    directory, admin = Path(sys.argv[1]), sys.argv[2]
    from flask import g
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand

        g.user = security_manager.find_user(username=admin)
        if g.user is None:
            print(f"no Superset user {admin!r}: run `superset fab create-admin` first", file=sys.stderr)
            return 1
        files, passwords = assets(directory, os.environ["RENTAN_BI_URL"])
        ImportAssetsCommand(files, passwords=passwords).run()
        if os.environ.get("RENTAN_BI_ANALYST"):
            analyst(security_manager, files, os.environ["RENTAN_BI_ANALYST"], os.environ["RENTAN_BI_ANALYST_PASSWORD"])
    counts = {
        kind: sum(name.startswith(kind + "/") for name in files)
        for kind in ("databases", "datasets", "charts", "dashboards")
    }
    print("imported " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
