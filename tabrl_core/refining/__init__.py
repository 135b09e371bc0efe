"""Refinement: the next version of a trained approach, from its numbers, its verdict and your
words; lineage from each version back to the first design; auto-refine for a whole run."""

from tabrl_core.refining.api import INITS, Refinement, auto_refine, prepare, refine
from tabrl_core.refining.context import RefineError, check_comment
from tabrl_core.refining.lineage import lineage, refinements_of

__all__ = ["INITS", "RefineError", "Refinement", "auto_refine", "check_comment",
           "lineage", "prepare", "refine", "refinements_of"]
