"""`gapwatch grafana push`: upsert the datasource, folder, dashboards and alert rules into a
running Grafana through grafana-client, changing only what differs, and say what changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError

from pipeline.panels.alerting import RULES, AlertRule, api_rule
from pipeline.panels.grafana import (
    DATASOURCE_TYPE,
    DATASOURCE_UID,
    FOLDER_TITLE,
    FOLDER_UID,
    dashboard_model,
)
from pipeline.panels.spec import Dashboard

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: Action


@dataclass(frozen=True)
class ClickHouseLink:
    """Where Grafana finds ClickHouse, as the datasource's read-only user sees it."""

    host: str
    port: int
    protocol: str
    database: str
    username: str
    password: str


def datasource_model(link: ClickHouseLink) -> dict:
    return {
        "uid": DATASOURCE_UID,
        "name": "GapWatch ClickHouse",
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "isDefault": True,
        "jsonData": {
            "host": link.host,
            "port": link.port,
            "protocol": link.protocol,
            "defaultDatabase": link.database,
            "username": link.username,
        },
        "secureJsonData": {"password": link.password},
    }


def differs(desired: dict, current: dict | None) -> Action | None:
    """None when `current` already holds every field of `desired` (fields Grafana adds,
    such as ids and versions, do not count); secrets, which Grafana never returns, are
    compared by whether one is set."""
    if current is None:
        return "created"
    for key, want in desired.items():
        if key == "secureJsonData":
            fields = current.get("secureJsonFields", {})
            if not all(fields.get(name) for name in want):
                return "updated"
            continue
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            if differs(want, have) is not None:
                return "updated"
        elif want != have:
            return "updated"
    return None


def _get(fetch: Callable[[], Any]) -> Any:
    try:
        return fetch()
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return None
        raise


class Pusher:
    def __init__(self, api: GrafanaApi) -> None:
        self.api = api
        self.changes: list[Change] = []

    def _upsert(
        self,
        kind: str,
        name: str,
        desired: dict,
        current: dict | None,
        create: Callable[[], object],
        update: Callable[[], object],
    ) -> None:
        action = differs(desired, current)
        if action == "created":
            create()
        elif action == "updated":
            update()
        self.changes.append(Change(kind, name, action or "unchanged"))

    def datasource(self, link: ClickHouseLink) -> None:
        desired = datasource_model(link)
        current = _get(lambda: self.api.datasource.get_datasource_by_uid(DATASOURCE_UID))
        self._upsert(
            "datasource",
            desired["name"],
            desired,
            current,
            lambda: self.api.datasource.create_datasource(desired),
            lambda: self.api.datasource.update_datasource_by_uid(DATASOURCE_UID, desired),
        )

    def folder(self) -> None:
        desired = {"uid": FOLDER_UID, "title": FOLDER_TITLE}
        current = _get(lambda: self.api.folder.get_folder(FOLDER_UID))
        self._upsert(
            "folder",
            FOLDER_TITLE,
            desired,
            current,
            lambda: self.api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID),
            lambda: self.api.folder.update_folder(FOLDER_UID, title=FOLDER_TITLE, overwrite=True),
        )

    def dashboard(self, dashboard: Dashboard) -> None:
        desired = dashboard_model(dashboard)
        found = _get(lambda: self.api.dashboard.get_dashboard(dashboard.uid))
        in_folder = found is not None and found.get("meta", {}).get("folderUid") == FOLDER_UID
        current = found["dashboard"] if found is not None and in_folder else None
        payload = {
            "dashboard": {**desired, "id": None},
            "folderUid": FOLDER_UID,
            "overwrite": True,
            "message": "gapwatch grafana push",
        }
        action = differs(desired, current)
        if found is not None and action == "created":
            action = "updated"  # it exists, in another folder: moved here
        if action is not None:
            self.api.dashboard.update_dashboard(payload)
        self.changes.append(Change("dashboard", dashboard.title, action or "unchanged"))

    def alert_rules(self) -> None:
        for rule in RULES:
            self.alert_rule(rule)

    def alert_rule(self, rule: AlertRule) -> None:
        desired = api_rule(rule)
        current = _get(lambda: self.api.alertingprovisioning.get_alertrule(rule.uid))
        self._upsert(
            "alert rule",
            rule.title,
            desired,
            current,
            lambda: self.api.alertingprovisioning.create_alertrule(desired),
            lambda: self.api.alertingprovisioning.update_alertrule(desired["uid"], desired),
        )


def push(api: GrafanaApi, link: ClickHouseLink, dashboards: list[Dashboard]) -> list[Change]:
    pusher = Pusher(api)
    pusher.datasource(link)
    pusher.folder()
    for dashboard in dashboards:
        pusher.dashboard(dashboard)
    pusher.alert_rules()
    return pusher.changes
