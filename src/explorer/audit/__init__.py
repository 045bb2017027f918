"""The annotation audit: every checkable claim of a caption, question or box re-derived from its map.

Library first (tables in, tables out)::

    from explorer import audit
    run = audit.run_audit(catalogs)                 # Dask; verdicts stored in <catalog>/audit/
    verdicts = audit.load_verdicts(catalog)          # one row per checked claim and variant
    audit.summaries(verdicts)["split"]               # per dataset / source / split / category / class / country
    audit.variant_agreement(verdicts)                # which unpublished rule the data agrees with
    audit.sample_verdicts(catalog, sample_id)        # a sample's disputed spans and what the map says

Modules, named by what they check: ``vqa`` (BigEarthNet.txt questions), ``boxes`` (referring expressions),
``bigearthnet_captions``, ``chatearthnet_captions`` (with ``mentions``), ``prompt_rules`` (what the authors'
prompts forbid), ``duplicates``, ``images``; ``rules`` states every rule and its variants; ``run`` schedules
and stores; ``summary`` makes the tables; ``figures`` draws them.
"""

from __future__ import annotations

from .run import AuditRun, audit_folder, load_verdicts, run_audit
from .summary import (
    box_pairs,
    chair,
    load_sample_counts,
    ranked_samples,
    sample_counts,
    sample_verdicts,
    split_agreement,
    summaries,
    summary,
    summary_text,
    variant_agreement,
)
from .verdicts import AGREE, DISPUTE, NOT_EVALUABLE, VERDICT_SCHEMA

__all__ = [
    "AGREE",
    "DISPUTE",
    "NOT_EVALUABLE",
    "VERDICT_SCHEMA",
    "AuditRun",
    "audit_folder",
    "box_pairs",
    "chair",
    "load_sample_counts",
    "load_verdicts",
    "ranked_samples",
    "run_audit",
    "sample_counts",
    "sample_verdicts",
    "split_agreement",
    "summaries",
    "summary",
    "summary_text",
    "variant_agreement",
]
