"""The custom ids of the reports' and appeals' components: made and read back, others' and broken ones ignored."""

from __future__ import annotations

import pytest
from tatiana_moderation.reports import ids


def test_a_custom_id_reads_back_as_made() -> None:
    made = ids.make(ids.REPORT_ACTION, "timeout", 42)
    assert made == "moderation:report:timeout:42"
    assert ids.parse(made) == ids.CustomId(ids.REPORT_ACTION, "timeout", (42,))
    form = ids.make(ids.REPORT_FORM, 1234567890123456789, 987654321098765432)
    assert ids.parse(form) == ids.CustomId(ids.REPORT_FORM, None, (1234567890123456789, 987654321098765432))
    assert len(form) <= 100, "Discord's limit for a custom id"


@pytest.mark.parametrize(
    "custom_id",
    [
        "economy:pay:confirm",
        "moderation",
        "moderation:report",
        "moderation:report:warn",
        "moderation:report:warn:x1",
        "moderation:unknown:1",
        "moderation:appeal:1:",
        "",
    ],
)
def test_other_and_broken_custom_ids_are_not_ours(custom_id: str) -> None:
    assert ids.parse(custom_id) is None
