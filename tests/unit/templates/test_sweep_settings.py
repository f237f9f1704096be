"""The template feeds the sweep's random delay within the function's time, and alarms on
refusals that need a person."""

from __future__ import annotations


def test_the_template_feeds_the_delay_and_alarms_on_refusals_for_a_person() -> None:
    from handlers.remediate import METRICS, sweep_delay
    from remediation.config import load_settings
    from tests.support.template import Deployment, _accepts, _source

    template = _source()
    spec = template["Parameters"]["SweepJitterSeconds"]
    assert [v for v in ("0", "180", "240", "241", "-1", "x") if _accepts(spec, v)] == [
        "0",
        "180",
        "240",
    ]
    function = Deployment(template).resolve(template["Resources"]["Function"])
    env = function["Properties"]["Environment"]["Variables"]
    assert str(env["SWEEP_JITTER_SECONDS"]) == "180"
    timeout = function["Properties"]["Timeout"]
    most = load_settings({k: str(v) for k, v in env.items()}).sweep_jitter_seconds
    assert most == 180
    assert sweep_delay(most, lambda: timeout) <= timeout - 120  # the work keeps its time
    alarms = Deployment(template).of_type("AWS::CloudWatch::Alarm")
    expressions = [
        a["Properties"].get("Metrics", [{}])[0].get("Expression", "") for a in alarms.values()
    ]
    assert any("ActionsNeedingPerson" in e for e in expressions)
    assert "ActionsNeedingPerson" in METRICS.values()
