import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hushpost.accounts.models import ApiKey
from hushpost.activity.models import Event, EventKind
from tests.api.helpers import ApiClient

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_key_alone_and_stores_only_its_hash(org_a):
    out, err = run("create", "--org", "riverside", "--name", "crm")
    raw = out.strip()
    assert out == raw + "\n" and raw.startswith("hp_") and len(raw) == 46
    key = ApiKey.objects.get()
    assert key.organization == org_a and key.name == "crm" and key.prefix == raw[:11]
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values().get())
    assert key.prefix in err and raw not in err
    event = Event.objects.get(kind=EventKind.API_KEY_CREATED)
    assert event.actor_label == "command line" and event.detail == {
        "name": "crm",
        "prefix": key.prefix,
    }
    assert ApiClient(raw).get("contacts").status_code == 200


def test_list_shows_prefixes_and_states(org_a):
    raw = run("create", "--org", "riverside", "--name", "crm")[0].strip()
    run("create", "--org", "riverside", "--name", "website")
    out, _ = run("list", "--org", "riverside")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and raw not in out
    assert any(
        line.startswith(raw[:11] + "\tcrm\t") and line.endswith("never used\tactive")
        for line in lines
    )


def test_revoke_by_prefix_stops_the_key(org_a):
    raw = run("create", "--org", "riverside", "--name", "crm")[0].strip()
    out, _ = run("revoke", "--org", "riverside", "--prefix", raw[:11])
    assert "Revoked 'crm'" in out
    assert ApiClient(raw).get("contacts").status_code == 401
    assert "already revoked" in run("revoke", "--org", "riverside", "--prefix", raw[:11])[0]
    assert Event.objects.filter(kind=EventKind.API_KEY_REVOKED).count() == 1
    assert "revoked " in run("list", "--org", "riverside")[0]


def test_another_organizations_prefix_is_not_found(org_a, org_b):
    raw = run("create", "--org", "harbor", "--name", "theirs")[0].strip()
    with pytest.raises(CommandError, match="riverside has no API key with the prefix"):
        run("revoke", "--org", "riverside", "--prefix", raw[:11])
    assert ApiKey.objects.get().revoked_at is None


@pytest.mark.parametrize(
    "action", [["create", "--name", "crm"], ["list"], ["revoke", "--prefix", "hp_x"]]
)
def test_an_unknown_organization_is_a_one_line_error(db, action):
    with pytest.raises(CommandError, match=r"^No organization has the slug 'nowhere'\.$"):
        run(action[0], "--org", "nowhere", *action[1:])


def test_a_blank_name_is_refused(org_a):
    with pytest.raises(CommandError, match="Give the key a name"):
        run("create", "--org", "riverside", "--name", "  ")
