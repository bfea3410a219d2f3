"""Knowledge search: BM25 over Markdown sections, offline, citing document and section."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.config.models import KnowledgeSource, WorkerConfig
from bot.core.config.tools import ToolPolicy
from bot.core.errors import ToolError
from bot.tools.knowledge import KnowledgeIndex, knowledge_tools, split_sections

ROOT = Path(__file__).resolve().parents[3]


def test_sections_carry_their_heading_path():
    passages = split_sections(
        "doc.md", "intro\n# Title\nbody\n## 2.1 Gold\ngold text\n## 2.2 Silver\nsilver\n"
    )
    assert [(p.section, p.text) for p in passages] == [
        ("(top)", "intro"),
        ("Title", "body"),
        ("Title > 2.1 Gold", "gold text"),
        ("Title > 2.2 Silver", "silver"),
    ]


def test_the_shipped_entitlement_policy_answers_with_a_cited_section():
    index = KnowledgeIndex([(ROOT / "knowledge/support/entitlements.md", ROOT)])
    top = index.search("bronze tier maximum credit", limit=2)[0]
    assert top["document"] == "knowledge/support/entitlements.md"
    assert top["section"] == "Entitlements > 2 Credit caps by tier > 2.3 Bronze" and "25" in top["text"]
    assert index.search("kubernetes autoscaler") == []  # no shared term: no result rather than noise


def test_the_tool_exists_only_for_workers_with_knowledge_and_the_tool_listed(rt, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "faq.txt").write_text("Passwords reset every 90 days.\n")
    base = rt.workers["it-access"]
    assert knowledge_tools(base, config_dir=tmp_path) == {}
    worker = base.model_copy(
        update={
            "knowledge": [KnowledgeSource(path="notes")],
            "tools": {**base.tools, "knowledge.search": ToolPolicy(tier="read")},
        }
    )
    tool = knowledge_tools(worker, config_dir=tmp_path)["knowledge.search"]
    result = tool.call({"query": "when do passwords reset"}, idempotency_key=None)
    assert result["cite_as"] == ["notes/faq.txt § (top)"]


def test_knowledge_search_is_a_gated_read_in_a_runtime(rt):
    worker = rt.workers["support-agent"]  # the shipped LLM example lists knowledge.search
    tools = rt.toolbox.tools_for(worker.model_copy(update={"integrations": {}}))
    assert set(tools) == {"knowledge.search"}
    hits = tools["knowledge.search"].call({"query": "gold outage hour cap"}, idempotency_key=None)["results"]
    assert hits[0]["section"].endswith("2.1 Gold")


def _searcher(config_dir: Path, path: str):
    worker = WorkerConfig.model_validate(
        {
            "name": "kb",
            "display_name": "KB",
            "description": "d",
            "owner": "U0",
            "model": "scripted:test",
            "escalation": {"approvers": ["U0"]},
            "tools": {"knowledge.search": {"tier": "read"}},
            "knowledge": [{"path": path}],
            "missions": {"m": {"description": "d", "instructions": "i"}},
        }
    )
    return knowledge_tools(worker, config_dir=config_dir)["knowledge.search"]


def test_a_copied_config_dir_finds_knowledge_next_to_its_config_files(tmp_path):
    """A config dir copied elsewhere, with `knowledge/support/` inside it: found there, not in the project."""
    copy = tmp_path / "elsewhere" / "my_configs"
    shutil.copytree(ROOT / "knowledge" / "support", copy / "knowledge" / "support")
    (copy / "knowledge" / "support" / "entitlements.md").write_text(
        "# Copied\n## 9.9 Gold\nThe copied gold cap.\n"
    )
    hits = _searcher(copy, "knowledge/support/").call({"query": "copied gold cap"}, idempotency_key=None)
    assert hits["cite_as"][0] == "knowledge/support/entitlements.md § Copied > 9.9 Gold"
    assert "copied gold cap" in hits["results"][0]["text"]


def test_the_project_layout_resolves_against_the_config_dirs_parent(tmp_path):
    """The shipped layout (`worker_configs/` next to `knowledge/`) keeps working when copied as a pair."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    (tmp_path / "worker_configs").mkdir()
    hits = _searcher(tmp_path / "worker_configs", "knowledge/support/").call(
        {"query": "gold outage hour cap"}, idempotency_key=None
    )
    assert hits["results"][0]["section"].endswith("2.1 Gold")
    assert hits["results"][0]["document"] == "knowledge/support/entitlements.md"


def test_a_missing_knowledge_path_says_where_it_looked(tmp_path):
    (tmp_path / "configs").mkdir()
    with pytest.raises(ToolError) as err:
        _searcher(tmp_path / "configs", "knowledge/support/").call({"query": "gold"}, idempotency_key=None)
    assert f"{tmp_path}/configs/knowledge/support" in str(err.value)
    assert f"{tmp_path}/knowledge/support" in str(err.value)
