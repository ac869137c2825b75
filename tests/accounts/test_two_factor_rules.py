"""The pure rules of two-factor sign-in (ulr_app/accounts/rules.py), table by table."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ulr_app.accounts import rules

T0 = datetime(2026, 12, 7, 9, 0, 0, tzinfo=timezone.utc)  # a step boundary: 1796634000 / 30
STEP0 = int(T0.timestamp()) // 30


@pytest.mark.parametrize("moment, step", [
    (T0, STEP0), (T0 + timedelta(seconds=29), STEP0), (T0 + timedelta(seconds=30), STEP0 + 1),
    (T0 - timedelta(seconds=1), STEP0 - 1),
])
def test_time_step(moment, step):
    assert rules.time_step(moment) == step


@pytest.mark.parametrize("last_used, expected", [
    (None, [STEP0 - 1, STEP0, STEP0 + 1]),
    (STEP0 - 2, [STEP0 - 1, STEP0, STEP0 + 1]),
    (STEP0 - 1, [STEP0, STEP0 + 1]),       # the code just used does not work again
    (STEP0, [STEP0 + 1]),
    (STEP0 + 1, []),                       # nor any earlier one
])
def test_candidate_steps_never_reuse_a_step(last_used, expected):
    assert rules.candidate_steps(T0, last_used) == expected


@pytest.mark.parametrize("typed, clean", [
    ("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"), ("12345", None), ("1234567", None),
    ("12a456", None), ("", None), (None, None), ("١٢٣٤٥٦", None),  # Arabic-Indic digits are not ASCII digits
])
def test_clean_totp_code(typed, clean):
    assert rules.clean_totp_code(typed) == clean


@pytest.mark.parametrize("typed, clean", [
    ("abcde-fghjk", "abcdefghjk"), ("ABCDE FGHJK", "abcdefghjk"), ("abcde-fghj", None), ("abcde-fghj1", None),
    ("oooooiiiii", None), ("", None),
])
def test_clean_recovery_code(typed, clean):
    assert rules.clean_recovery_code(typed) == clean


def test_recovery_codes_are_salted_hashes():
    code = rules.new_recovery_code()
    assert len(code) == 11 and code[5] == "-"
    clean = rules.clean_recovery_code(code)
    one, two = rules.hash_recovery_code(clean), rules.hash_recovery_code(clean)
    assert one != two and clean not in one  # a fresh salt each time; the code itself is not stored
    assert rules.recovery_code_matches(one, clean) and rules.recovery_code_matches(two, clean)
    assert not rules.recovery_code_matches(one, rules.clean_recovery_code(rules.new_recovery_code()))


@pytest.mark.parametrize("role, required_roles, for_all, required", [
    ("admin", ("admin", "regional_organiser", "branch_convenor"), False, True),
    ("branch_convenor", ("admin", "regional_organiser", "branch_convenor"), False, True),
    ("learning_rep", ("admin", "regional_organiser", "branch_convenor"), False, False),
    ("learning_rep", ("admin",), True, True),
    ("admin", (), False, False),
    ("admin", None, False, False),
])
def test_two_factor_required(role, required_roles, for_all, required):
    assert rules.two_factor_required(role, required_roles, for_all) is required


@pytest.mark.parametrize("confirmed, minutes, fresh", [
    (None, 15, False), (T0, 15, True), (T0 - timedelta(minutes=15), 15, True),
    (T0 - timedelta(minutes=15, seconds=1), 15, False), (T0 + timedelta(minutes=1), 15, False),  # from the future
])
def test_recently_confirmed(confirmed, minutes, fresh):
    assert rules.recently_confirmed(confirmed, T0, minutes) is fresh
