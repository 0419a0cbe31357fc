"""IFEval's official verifiable-instruction checks, vendored (Apache License 2.0).

Origin: the lm-eval 0.4.13 wheel on PyPI (EleutherAI lm-evaluation-harness),
`lm_eval/tasks/ifeval/{instructions,instructions_registry,instructions_util}.py`,
which carry Google Research's IFEval code (google-research/instruction_following_eval,
Copyright 2023 The Google Research Authors, Apache-2.0; each file keeps its header).
See NOTICE.md in this folder for the licence and the changes made here.

Vendored rather than depended on: the lm-eval package pulls in datasets, evaluate,
scikit-learn and more, and downloads NLTK data when the module is imported.
"""
