"""Zero-shot rewards from pretrained models: CLIP on frames (VLM-RM), sentence embeddings on text.

``vlm_clip`` (:class:`~reward_plugins.vlm.clip.VLMClipReward`) and ``embedding_goal``
(:class:`~reward_plugins.vlm.embedding_goal.EmbeddingGoalReward`) share VLM-RM's goal-baseline
projection (:mod:`.projection`). Needs the ``vlm`` extra (transformers); see docs/vlm.md.
"""
