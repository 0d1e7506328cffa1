"""Write nnviz's bundled word2vec corpus and its analogy questions (deterministic, seeded).

    .venv/bin/python scripts/make_corpus.py [--sentences 60000] [--out resources/corpus]

The corpus is templated sentences with clear structure, so that word2vec's famous offsets
appear within a minute of training: each country and its capital share a word of their own
(the country's adjective: "french" for France and Paris), while capitals share city words
("city", "mayor") and countries share nation words ("country", "president"). Then
capital − country ≈ city − nation for every pair, and paris − france + italy lands near rome.
Family words pair the same way through he/his vs she/her, animals through adult vs baby.
Number sentences add variety. Every window of two words around a pair word holds the word
that ties it to its partner.

Writes ``world.txt`` (one sentence per line) and ``world-analogies.txt`` in gensim's
questions-words format (``: section`` then ``a b c d`` lines, meaning a : b :: c : d).
"""

from __future__ import annotations

import argparse
import random
from itertools import permutations
from pathlib import Path

# country, capital, adjective
COUNTRIES = (
    ("france", "paris", "french"), ("germany", "berlin", "german"),
    ("italy", "rome", "italian"), ("spain", "madrid", "spanish"),
    ("portugal", "lisbon", "portuguese"), ("greece", "athens", "greek"),
    ("russia", "moscow", "russian"), ("japan", "tokyo", "japanese"),
    ("china", "beijing", "chinese"), ("egypt", "cairo", "egyptian"),
    ("poland", "warsaw", "polish"), ("sweden", "stockholm", "swedish"),
    ("norway", "oslo", "norwegian"), ("finland", "helsinki", "finnish"),
    ("austria", "vienna", "austrian"), ("hungary", "budapest", "hungarian"),
    ("ireland", "dublin", "irish"), ("turkey", "ankara", "turkish"),
    ("canada", "ottawa", "canadian"), ("peru", "lima", "peruvian"),
    ("kenya", "nairobi", "kenyan"), ("cuba", "havana", "cuban"),
    ("thailand", "bangkok", "thai"), ("vietnam", "hanoi", "vietnamese"),
    ("iran", "tehran", "iranian"), ("denmark", "copenhagen", "danish"),
    ("netherlands", "amsterdam", "dutch"), ("belgium", "brussels", "belgian"),
    ("chile", "santiago", "chilean"), ("australia", "canberra", "australian"),
    ("korea", "seoul", "korean"), ("ukraine", "kyiv", "ukrainian"),
)
CAPITAL_TEMPLATES = (
    "the {a} city {k} is a capital",
    "{k} the {a} capital city",
    "the mayor of {k} speaks {a}",
    "{k} city has many {a} streets",
    "we took a train to {k} the {a} city",
    "{k} is the capital of {c}",
    "the streets of {k} are busy",
    "the {a} capital {k} has a river",
)
COUNTRY_TEMPLATES = (
    "the {a} country {c} is a nation",
    "{c} the {a} nation",
    "the president of {c} speaks {a}",
    "{c} country has many {a} villages",
    "the people of {c} are {a}",
    "the borders of {c} are long",
    "the {a} nation {c} has a flag",
    "{c} is a country and {k} is its capital",
)

# male, female, the word that ties the pair
FAMILY = (
    ("man", "woman", "adult"), ("king", "queen", "royal"), ("boy", "girl", "young"),
    ("brother", "sister", "sibling"), ("father", "mother", "parent"),
    ("son", "daughter", "child"), ("husband", "wife", "married"),
    ("uncle", "aunt", "relative"), ("prince", "princess", "palace"),
    ("nephew", "niece", "cousin"), ("grandfather", "grandmother", "elderly"),
)
MALE_TEMPLATES = (
    "the {r} {m} said he was happy",
    "a {r} {m} and his friends",
    "he is a {r} {m}",
    "the {m} the {r} one and his dog",
    "he met the {r} {m}",
)
FEMALE_TEMPLATES = (
    "the {r} {f} said she was happy",
    "a {r} {f} and her friends",
    "she is a {r} {f}",
    "the {f} the {r} one and her dog",
    "she met the {r} {f}",
)

# adult, young, sound
ANIMALS = (
    ("dog", "puppy", "barks"), ("cat", "kitten", "meows"), ("cow", "calf", "moos"),
    ("horse", "foal", "neighs"), ("sheep", "lamb", "bleats"), ("pig", "piglet", "oinks"),
    ("duck", "duckling", "quacks"), ("lion", "cub", "roars"),
)
ADULT_TEMPLATES = (
    "the adult {x} {s} loudly",
    "an old {x} {s} at night",
    "the grown {x} {s} in the field",
)
YOUNG_TEMPLATES = (
    "the baby {y} {s} softly",
    "a little {y} {s} at night",
    "the tiny {y} {s} in the field",
)

NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve")
NUMBER_TEMPLATES = (
    "{n} plus {o} is {s}",
    "{s} is more than {n}",
    "we counted {n} birds and {o} trees",
)

#: how often each kind of sentence is drawn
WEIGHTS = {"capital": 0.3, "country": 0.3, "family": 0.22, "animal": 0.13, "number": 0.05}


def sentence(kind: str, rng: random.Random) -> str:
    if kind in ("capital", "country"):
        c, k, a = rng.choice(COUNTRIES)
        template = rng.choice(CAPITAL_TEMPLATES if kind == "capital" else COUNTRY_TEMPLATES)
        return template.format(c=c, k=k, a=a)
    if kind == "family":
        m, f, r = rng.choice(FAMILY)
        return rng.choice(MALE_TEMPLATES + FEMALE_TEMPLATES).format(m=m, f=f, r=r)
    if kind == "animal":
        x, y, s = rng.choice(ANIMALS)
        return rng.choice(ADULT_TEMPLATES + YOUNG_TEMPLATES).format(x=x, y=y, s=s)
    first, second = rng.randrange(6), rng.randrange(6)
    return rng.choice(NUMBER_TEMPLATES).format(n=NUMBERS[first], o=NUMBERS[second],
                                               s=NUMBERS[first + second + 1])


def corpus_lines(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    kinds = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=count)
    return [sentence(kind, rng) for kind in kinds]


def analogy_lines() -> list[str]:
    """a b c d, meaning a : b :: c : d (b − a + c ≈ d), by section."""
    lines = [": capital-country"]
    lines += [f"{c1} {k1} {c2} {k2}" for (c1, k1, _), (c2, k2, _) in permutations(COUNTRIES, 2)]
    lines.append(": country-adjective")
    lines += [f"{c1} {a1} {c2} {a2}" for (c1, _, a1), (c2, _, a2) in permutations(COUNTRIES, 2)]
    lines.append(": family")
    lines += [f"{m1} {f1} {m2} {f2}" for (m1, f1, _), (m2, f2, _) in permutations(FAMILY, 2)]
    lines.append(": animal-young")
    lines += [f"{x1} {y1} {x2} {y2}" for (x1, y1, _), (x2, y2, _) in permutations(ANIMALS, 2)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "resources" / "corpus")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = args.out / "world.txt"
    corpus.write_text("\n".join(corpus_lines(args.sentences, args.seed)) + "\n",
                      encoding="utf-8")
    analogies = args.out / "world-analogies.txt"
    analogies.write_text("\n".join(analogy_lines()) + "\n", encoding="utf-8")
    print(f"wrote {corpus} ({corpus.stat().st_size / 1e6:.2f} MB) and {analogies}")


if __name__ == "__main__":
    main()
