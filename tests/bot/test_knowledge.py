"""Knowledge search: BM25 over Markdown sections, offline, citing document and section."""

from __future__ import annotations

from pathlib import Path

from bot.config.models import KnowledgeSource, ToolPolicy
from bot.knowledge import KnowledgeIndex, knowledge_tools, split_sections
from bot.wiring import knowledge_root

ROOT = Path(__file__).resolve().parents[2]


def test_sections_carry_their_heading_path():
    passages = split_sections("doc.md", "intro\n# Title\nbody\n## 2.1 Gold\ngold text\n## 2.2 Silver\nsilver\n")
    assert [(p.section, p.text) for p in passages] == [
        ("(top)", "intro"), ("Title", "body"), ("Title > 2.1 Gold", "gold text"), ("Title > 2.2 Silver", "silver")]


def test_the_shipped_entitlement_policy_answers_with_a_cited_section():
    index = KnowledgeIndex([ROOT / "knowledge/support/entitlements.md"], root=ROOT)
    top = index.search("bronze tier maximum credit", limit=2)[0]
    assert top["document"] == "knowledge/support/entitlements.md"
    assert top["section"] == "Entitlements > 2 Credit caps by tier > 2.3 Bronze" and "25" in top["text"]
    assert index.search("kubernetes autoscaler") == []  # no shared term: no result rather than noise


def test_the_tool_exists_only_for_workers_with_knowledge_and_the_tool_listed(rt, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "faq.txt").write_text("Passwords reset every 90 days.\n")
    base = rt.workers["it-access"]
    assert knowledge_tools(base, root=tmp_path) == {}
    worker = base.model_copy(update={"knowledge": [KnowledgeSource(path="notes")],
                                     "tools": {**base.tools, "knowledge.search": ToolPolicy(tier="read")}})
    tool = knowledge_tools(worker, root=tmp_path)["knowledge.search"]
    result = tool.call({"query": "when do passwords reset"}, idempotency_key=None)
    assert result["cite_as"] == ["notes/faq.txt § (top)"]
    assert knowledge_root(ROOT / "worker_configs") == ROOT


def test_knowledge_search_is_a_gated_read_in_a_runtime(rt):
    worker = rt.workers["support-agent"]  # the shipped LLM example lists knowledge.search
    tools = rt.toolbox.tools_for(worker.model_copy(update={"integrations": {}}))
    assert set(tools) == {"knowledge.search"}
    hits = tools["knowledge.search"].call({"query": "gold outage hour cap"}, idempotency_key=None)["results"]
    assert hits[0]["section"].endswith("2.1 Gold")
