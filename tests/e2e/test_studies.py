"""The studies of scenarios/studies/ (docs/studies.md): each hypothesis H1-H6 is answered
by one `cyberdeter sweep` and one `python3 -m analysis answer`, and its verdict — the sign
of the effect, and whether both intervals exclude 0 — is pinned here, with the study's own
seed and replications (60-200, about 45 s in all): the verdicts docs/studies.md states.
At 40 replications some small effects (H4's few per cent, H5's attribution alone) were
detectable with one stream of random numbers and not with another (a trial of another gamma
sampler, which changes every stream, moved them): a pinned verdict must rest on enough runs to be the model's, not the
draw's. A verdict that changes is a change of the model or the analysis, to be explained
in docs/studies.md."""
import json
import re
import subprocess

import pytest

STUDIES = "scenarios/studies"


def answer(binary, source_dir, tmp_path, name):
    """Runs study NAME as it is and returns analysis's answer (--json)."""
    text = (source_dir / STUDIES / f"{name}.toml").read_text()
    text = re.sub(r'^base = "\.\./', f'base = "{source_dir}/scenarios/', text, flags=re.M)
    sweep = tmp_path / f"{name}.toml"
    sweep.write_text(text)
    out = tmp_path / f"{name}.h5"
    r = subprocess.run([binary, "sweep", str(sweep), "-o", str(out), "-q"], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["/usr/bin/python3", "-m", "analysis", "answer", str(out), "--json"],
                       capture_output=True, text=True, timeout=600, cwd=source_dir)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def effects(result):
    """{treatment label: effect} of every comparison of the answer."""
    return {c["treatment"]: c["effect"] for c in result["comparisons"]}


def test_every_study_states_a_question_and_is_pinned(source_dir):
    names = sorted(p.stem for p in (source_dir / STUDIES).glob("*.toml"))
    assert names == sorted(PINNED), "every study has its verdict pinned here"
    for name in names:
        text = (source_dir / STUDIES / f"{name}.toml").read_text()
        assert "[question]" in text, name
        for part in ("QUESTION", "DESIGN", "RUN"):
            assert part in text, f"{name}: the comment block says {part}"


def decrease(e):
    return e["difference"] < 0 and e["detectable"]


def increase(e):
    return e["difference"] > 0 and e["detectable"]


def h1(r):
    # Japan's sanctions: fewer state-sponsored attacks on Japan, pooled over the margins.
    (e,) = effects(r).values()
    return decrease(e)


def h2(r):
    # Every coalition deters more than the victim alone, and more signers deter more.
    e = effects(r)
    sizes = ["allies = 1 ally", "allies = 2 allies", "allies = 3 allies", "allies = 4 allies"]
    return all(decrease(e[s]) for s in sizes) and \
        [e[s]["difference"] for s in sizes] == sorted((e[s]["difference"] for s in sizes),
                                                       reverse=True)


def h3(r):
    # Attacks rise with the attribution delay, monotonically: halving it cuts them (by
    # about 2 %, which the study's 1000 replications resolve), doubling and quadrupling it
    # raise them, the more so the slower.
    e = effects(r)
    return decrease(e["attribution_days_x = 0.5"]) and increase(e["attribution_days_x = 2.0"]) \
        and increase(e["attribution_days_x = 4.0"]) \
        and e["attribution_days_x = 4.0"]["difference"] > e["attribution_days_x = 2.0"]["difference"]


def h3_japan(r):
    # In the Japan world (attacks at 98 % of decisions) never the reversed sign: no
    # detectable decrease when attribution is slower.
    e = effects(r)
    return not decrease(e["attribution_days_x = 2.0"]) and not decrease(e["attribution_days_x = 4.0"])


def h4(r):
    # The dry run cut the damage to Japan during the Games.
    (e,) = effects(r).values()
    return decrease(e)


def h5(r):
    # Every response deters; sanctions by four deter most.
    e = effects(r)
    return all(decrease(x) for x in e.values()) and \
        e["response = joint sanctions"]["difference"] < e["response = attribution"]["difference"]


def h6(r):
    # More false flags, more of APT28's attacks.
    e = effects(r)
    return increase(e["apt28_false_flag = 0.9"])


PINNED = {"h1_sanctions": h1, "h2_coalition_size": h2, "h3_slow_attribution": h3,
          "h3_slow_attribution_japan": h3_japan, "h4_games_preparation": h4,
          "h5_demonstration": h5, "h6_false_flags": h6}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_study_verdict(binary, source_dir, tmp_path, name):
    result = answer(binary, source_dir, tmp_path, name)
    assert result["source"] == "the sweep file's [question]"
    assert PINNED[name](result), json.dumps(
        {k: (v["difference"], v["detectable"], v["caution"]) for k, v in effects(result).items()},
        indent=1)
