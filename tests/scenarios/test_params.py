"""The one description of each hyperparameter: parsing, bounds, live versus structural."""

from __future__ import annotations

import math

import pytest

from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.params import Config, Param, ParamError


def test_cli_text_parses_the_obvious_way():
    config = MoonsConfig().with_text(
        {"hidden_sizes": "8,8", "learning_rate": "3e-3", "activation": "relu", "seed": "7"}
    )
    assert config.hidden_sizes == (8, 8)
    assert config.learning_rate == pytest.approx(3e-3)
    assert config.activation == "relu"
    assert config.seed == 7
    assert MoonsConfig().with_text({"hidden_sizes": "10"}).hidden_sizes == (10,)
    assert MoonsConfig().with_text({"hidden_sizes": ""}).hidden_sizes == ()


@pytest.mark.parametrize(
    ("key", "text", "fragment"),
    [
        ("learning_rate", "-1", "below the minimum"),
        ("learning_rate", "nan", "not a finite number"),
        ("learning_rate", "fast", "not a number"),
        ("hidden_sizes", "8,x", "'x' is not an integer"),
        ("hidden_sizes", "0", "below the minimum"),
        ("hidden_sizes", ",".join(["4"] * 9), "needs 0 to 8 entries"),
        ("activation", "swish", "unknown choice"),
        ("seed", "1.5", "not an integer"),
        ("batch_size", "-3", "below the minimum"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_key_and_rule(key, text, fragment):
    with pytest.raises(ParamError) as caught:
        MoonsConfig().with_text({key: text})
    message = str(caught.value)
    assert key in message and fragment in message and "accepted:" in message


def test_unknown_key_names_the_known_ones():
    with pytest.raises(ParamError, match=r"unknown hyperparameter 'hidden_size'.*hidden_sizes"):
        MoonsConfig().with_values({"hidden_size": (3,)})


def test_constructor_validates_too():
    with pytest.raises(ParamError):
        MoonsConfig(noise=-1.0)
    with pytest.raises(ParamError, match="sigmoid"):
        MoonsConfig(dataset="blobs", output="sigmoid")


def test_live_and_structural_changes_are_told_apart():
    base = MoonsConfig()
    changed = base.with_values({"learning_rate": 0.5, "momentum": 0.5, "hidden_sizes": (3,)})
    live, structural = base.live_changes(changed)
    assert live == {"learning_rate": 0.5, "momentum": 0.5}
    assert structural == {"hidden_sizes": (3,)}


def test_format_is_the_inverse_of_parse():
    config = MoonsConfig().with_values({"hidden_sizes": (4, 2), "learning_rate": 0.003})
    for name, spec in MoonsConfig.params().items():
        value = getattr(config, name)
        assert spec.parse(spec.format(value)) == value


def test_every_param_has_a_valid_default_and_a_title():
    for name, spec in MoonsConfig.params().items():
        assert spec.name == name
        assert spec.coerce(spec.default) == spec.default
        assert spec.title


def test_float_bounds_accept_the_ends():
    spec = Param("x", "float", 0.5, minimum=0.0, maximum=1.0)
    assert spec.coerce(0.0) == 0.0 and spec.coerce(1.0) == 1.0
    with pytest.raises(ParamError):
        spec.coerce(math.inf)
    with pytest.raises(ParamError):
        spec.coerce(True)


def test_configs_of_different_scenarios_do_not_share_params():
    class Other(Config):
        pass

    assert Other.params() == {}
    assert "learning_rate" in MoonsConfig.params()


def test_an_optional_integer_is_unset_by_empty_text_and_round_trips():
    """data_seed: None until set; ``--set data_seed=`` (as sidecars write it) unsets it."""
    spec = MoonsConfig.param("data_seed")
    assert spec.kind == "optional_int" and MoonsConfig().data_seed is None
    assert spec.parse("") is None and spec.parse("None") is None and spec.parse(" 12 ") == 12
    assert spec.format(None) == "" and spec.format(12) == "12"
    for value in (None, 0, 12):
        assert spec.parse(spec.format(value)) == value
    assert MoonsConfig(data_seed=4).with_text({"data_seed": ""}).data_seed is None
    assert spec.accepted() == "an integer from 0 to 2147483647, or empty (unset)"
    for bad in (True, 1.5, "3", -1):
        with pytest.raises(ParamError, match=r"^data_seed=.*accepted: an integer from 0"):
            spec.coerce(bad)


def test_every_kind_has_one_coercer_and_a_param_may_read_its_value_further():
    """Param.coerce is a table of coercers, one per kind (a kind without one is a bug, not a
    silent pass), and ``read`` turns the checked value into what the config keeps (the race's
    racers line into its racers, once)."""
    from typing import get_args

    from nnviz.scenarios.params import _COERCERS, Kind

    assert set(_COERCERS) == set(get_args(Kind))
    shouted = Param("x", "str", "a", read=str.upper)
    assert shouted.coerce("b") == "B" and shouted.parse(" c ") == "C"
    with pytest.raises(ParamError, match=r"^x=3: not text; accepted: text$"):
        shouted.coerce(3)
    with pytest.raises(AssertionError, match="unknown parameter kind"):
        Param("x", "colour", "red").coerce("red")  # type: ignore[arg-type]
