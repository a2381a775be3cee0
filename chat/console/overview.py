"""The overview: how the service runs right now."""

import time
from datetime import timedelta

from ..clock import iso, now
from ..store import stats
from ..version import VERSION
from .blueprint import bp, chat, page, service_sid

STARTED = time.time()  # this process's start (close enough: when the console was imported)


@bp.get("/")
def overview():
    app_chat = chat()
    db = app_chat.store.db()
    moment = now()
    deliveries = stats.deliveries_by_status(db)
    processes = stats.sockets_by_process(db)
    for process in processes:
        process["this"] = process["process_id"] == app_chat.presence.process_id
        process["ago"] = max(0, int(time.time() - process["heartbeat"]))
    return page(
        "console/overview.html",
        processes=processes,
        sockets_total=sum(p["sockets"] for p in processes),
        users_online=stats.users_online(db, service_sid()),
        messages_minute=stats.messages_since(db, service_sid(), iso(moment - timedelta(minutes=1))),
        messages_hour=stats.messages_since(db, service_sid(), iso(moment - timedelta(hours=1))),
        deliveries_pending=deliveries.get("pending", 0),
        deliveries_failed=deliveries.get("failed", 0),
        database_bytes=app_chat.store.backend.size(),
        version=VERSION,
        uptime=int(time.time() - STARTED),
        redis=bool(app_chat.settings.redis_url),
    )
