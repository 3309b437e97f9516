import pytest

from nhi_qualification.domain.numbers import (
    branch_no,
    insurer_check_digit,
    insurer_number_problem,
    mask_my_number,
    my_number_check_digit,
    my_number_problem,
)


def test_my_number_check_digit_matches_the_published_example():
    assert my_number_check_digit("12345678901") == 8
    assert my_number_problem("123456789018") is None


@pytest.mark.parametrize(
    "value", ["123456789012", "12345678901", "1234567890189", "１２３４５６７８９０１８", "12345678901a"]
)
def test_a_wrong_my_number_is_refused_with_a_reason(value):
    assert my_number_problem(value)


def test_remainders_of_zero_or_one_give_check_digit_zero():
    # Find bodies whose weighted sum leaves remainder 0 and 1; both must give 0.
    seen = set()
    for n in range(0, 2000):
        body = f"{n:011d}"
        total = sum(int(body[-i]) * (i + 1 if i <= 6 else i - 5) for i in range(1, 12))
        if total % 11 in (0, 1):
            assert my_number_check_digit(body) == 0
            seen.add(total % 11)
    assert seen == {0, 1}


def test_insurer_check_digit_matches_the_published_example():
    assert insurer_check_digit("3312001") == 5
    assert insurer_number_problem("139998") is None
    assert insurer_number_problem("139997") == "the check digit of this insurer number is wrong"
    assert insurer_number_problem("13999") == "an NHI insurer number is 6 digits"


def test_branch_numbers_are_two_digits():
    assert branch_no(1) == "01"
    assert branch_no(99) == "99"
    with pytest.raises(ValueError):
        branch_no(100)


def test_masked_my_number_shows_only_the_last_four_digits():
    assert mask_my_number("123456789018") == "********9018"


def test_the_service_refuses_to_start_with_an_insurer_number_whose_check_digit_is_wrong(tmp_path, monkeypatch, capsys):
    import base64

    from nhi_qualification.entrypoints import cli

    monkeypatch.setenv("NHI_INSURER_NUMBER", "139997")
    monkeypatch.setenv("NHI_MYNUMBER_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("QUALIFICATION_DATABASE_URL", f"sqlite:///{tmp_path / 'q.db'}")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["migrate"])
    assert stopped.value.code == 2
    assert "NUM-INSURER" in capsys.readouterr().err


def test_run_job_for_a_day_more_than_a_year_away_is_refused_naming_it_and_starts_nothing(tmp_path, monkeypatch, capsys):
    """The CronJob's command: a refused day is one line and exit 2, not a traceback, and no job is left queued."""
    import base64

    import sqlalchemy as sa

    from nhi_qualification.entrypoints import cli

    database = tmp_path / "q.db"
    monkeypatch.setenv("NHI_MYNUMBER_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("QUALIFICATION_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("NHI_BUSINESS_DATE", "2026-12-08")
    monkeypatch.setenv("NATS_URL", "")
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    assert cli.main(["run-job", "age75_loss", "--date", "2028-01-15"]) == 2
    refused = capsys.readouterr()
    assert "Traceback" not in refused.err
    assert [line for line in refused.err.splitlines() if line.startswith("run-job: parameters.date: ")]
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one() == 0
    engine.dispose()
