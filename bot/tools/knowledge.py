"""Read-only knowledge: a worker's documents (Markdown, text), searched offline with BM25.

Documents are split at Markdown headings, so every hit cites a document and a section. The index is
built once per set of files and their modification times, so an edited policy is picked up at once.

Where a `knowledge:` path points (`resolve`): an absolute path as it is; a relative one against the directory
holding the worker's config file, or, when nothing exists there, against that directory's parent (the
project layout the shipped configs use: `worker_configs/` next to `knowledge/`). Nothing else: not the
current directory. `missionbot check` reports a path found in neither place, with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.core.config.models import WorkerConfig
from bot.core.errors import ToolError
from bot.tools.base import FunctionTool, ToolSpec

TOOL_NAME = "knowledge.search"
SUFFIXES = {".md", ".markdown", ".txt"}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_WORD = re.compile(r"[a-z0-9§.]+")


@dataclass(frozen=True)
class Passage:
    document: str
    section: str
    text: str


def _tokens(text: str) -> list[str]:
    return [w.strip(".") for w in _WORD.findall(text.lower()) if w.strip(".")]


def split_sections(document: str, text: str) -> list[Passage]:
    """One passage per heading (its title path, e.g. 'Entitlements > 2.1 Gold'), plus any preamble."""
    passages, trail, lines = [], [], []

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            passages.append(
                Passage(document=document, section=" > ".join(t for _, t in trail) or "(top)", text=body)
            )
        lines.clear()

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            trail[:] = [(lv, t) for lv, t in trail if lv < level] + [(level, heading.group(2))]
        else:
            lines.append(line)
    flush()
    return passages


def documents(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
    return found


def candidates(path: str, *, config_dir: Path) -> list[tuple[Path, Path]]:
    """(base, path) for each place a `knowledge:` path may mean, in the order they are tried."""
    given = Path(path).expanduser()
    if given.is_absolute():
        return [(given.parent, given)]
    return [(base, base / given) for base in (config_dir.resolve(), config_dir.resolve().parent)]


def resolve(path: str, *, config_dir: Path) -> tuple[Path, Path] | None:
    """(base, path) of the first candidate that exists, else None (the caller reports where it looked)."""
    return next((c for c in candidates(path, config_dir=config_dir) if c[1].exists()), None)


def looked_in(path: str, *, config_dir: Path) -> str:
    return " or ".join(str(p) for _, p in candidates(path, config_dir=config_dir))


class KnowledgeIndex:
    def __init__(self, files: list[tuple[Path, Path]]) -> None:
        """`files`: (document, the base its cited name is relative to)."""
        self.passages = [
            p for f, base in files for p in split_sections(_name(f, base), f.read_text(errors="replace"))
        ]
        from rank_bm25 import BM25Plus  # numpy underneath: loaded when a worker first searches

        corpus = [_tokens(f"{p.section} {p.text}") for p in self.passages]
        self.vocab = [set(doc) for doc in corpus]
        # BM25+ keeps idf positive, so a term found in every passage of a small corpus still counts.
        self.bm25 = BM25Plus(corpus) if corpus else None

    def search(self, query: str, *, limit: int = 3) -> list[dict[str, Any]]:
        terms = _tokens(query)
        if self.bm25 is None or not terms:
            return []
        scores = self.bm25.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        # A passage sharing no term with the query is no match, not a weak one.
        matching = [i for i in ranked if self.vocab[i] & set(terms)]
        return [
            {
                "document": self.passages[i].document,
                "section": self.passages[i].section,
                "text": self.passages[i].text,
                "score": round(float(scores[i]), 3),
            }
            for i in matching[:limit]
        ]


def _name(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(default=3, ge=1, le=10)


_cache: dict[tuple[Any, ...], KnowledgeIndex] = {}


def index_for(worker: WorkerConfig, *, config_dir: Path) -> KnowledgeIndex:
    found = [hit for k in worker.knowledge if (hit := resolve(k.path, config_dir=config_dir))]
    files = [(f, base) for base, path in found for f in documents([path])]
    key = tuple((str(f), f.stat().st_mtime_ns) for f, _ in files)
    if key not in _cache:
        if len(_cache) >= 16:  # stale versions of edited files; rebuilding costs milliseconds
            _cache.clear()
        _cache[key] = KnowledgeIndex(files)
    return _cache[key]


def knowledge_tools(worker: WorkerConfig, *, config_dir: Path) -> dict[str, FunctionTool]:
    """`knowledge.search` for a worker that has `knowledge:` and lists the tool (always tier read)."""
    if not worker.knowledge or TOOL_NAME not in worker.tools:
        return {}

    def search(*, query: str, limit: int) -> dict[str, Any]:
        hits = index_for(worker, config_dir=config_dir).search(query, limit=limit)
        if not hits and not index_for(worker, config_dir=config_dir).passages:
            looked = "; ".join(looked_in(k.path, config_dir=config_dir) for k in worker.knowledge)
            raise ToolError(f"no knowledge documents found (looked in {looked})")
        return {
            "query": query,
            "results": hits,
            "cite_as": [f"{h['document']} § {h['section']}" for h in hits],
        }

    spec = ToolSpec(
        name=TOOL_NAME,
        description="Search the worker's policy and reference documents; each result "
        "names its document and section, to cite.",
        args_model=SearchArgs,
        read_only=True,
    )
    return {TOOL_NAME: FunctionTool(spec=spec, func=search)}
