"""`missionbot digest <worker>`: compute one digest now; print it, or `--post` it where it normally goes
(on the console: and print the path of the chart's file);
`--weeks N` sets the weeks of the trends, `--chart out.png` writes the chart and prints its path."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot import app
from bot.app import default_messengers
from bot.commands.common import audit_key_or_exit, config_dir, redis_or_exit, workers_or_exit
from bot.core.errors import BadRequest, NotFound
from bot.core.settings import Settings
from bot.missions.digest import chart, home, render
from bot.missions.digest.compute import compute, up_to_now
from bot.missions.digest.events import WEEKS
from bot.missions.digest.send import send


def run(args: argparse.Namespace) -> int:
    settings = audit_key_or_exit(Settings(), "digest")  # --post records digest.sent in the audit
    redis = redis_or_exit(settings, "digest")
    workers = workers_or_exit(settings, str(config_dir(settings)))
    rt = app.create_runtime(
        settings=settings,
        redis=redis,
        workers=workers,
        messengers=default_messengers(settings=settings, redis=redis),
    )
    try:
        if args.post:
            digest, ref = send(rt, args.worker)
            print(f"posted to {ref.conversation} on {ref.platform}")
            if ref.platform == "console":  # a terminal shows no image: the chart went to a file
                print(f"chart: {home.last_chart(rt, args.worker, ref.platform)}")
        else:
            digest = compute(rt, args.worker, end=up_to_now(rt), weeks=args.weeks)
    except (NotFound, BadRequest) as err:
        print(err)
        return 2
    if args.chart:
        try:
            args.chart.write_bytes(chart.render_png(digest))
        except OSError as err:
            print(f"digest: cannot write the chart to {args.chart}: {err.strerror}")
            return 2
        print(f"chart: {args.chart.resolve()}")
        print(f"alt text: {chart.alt_text(digest)}")
    if args.format == "blocks":
        print(json.dumps(render.blocks(digest), indent=2, ensure_ascii=False))
    elif args.format == "adaptive":
        print(json.dumps(render.adaptive_card(digest), indent=2, ensure_ascii=False))
    elif not args.post and not args.chart:
        print(render.text(digest))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="print (or --post) a worker's weekly digest now")
    p.add_argument("worker")
    p.add_argument(
        "--post", action="store_true", help="send it to digest_channel (or the owner) as scheduled"
    )
    p.add_argument("--format", choices=["text", "blocks", "adaptive"], default="text")
    p.add_argument("--weeks", type=int, default=WEEKS, help=f"weeks of trends, 2 to 52 (default {WEEKS})")
    p.add_argument("--chart", type=Path, help="write the chart of the weeks to this PNG file")
    p.set_defaults(func=run)
