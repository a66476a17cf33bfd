"""Runs every scim2-tester check against a live Switchboard SCIM endpoint.

Usage: python scim_conformance.py BASE_URL TOKEN

The checker fills resources with random values chosen from the attribute types the server
publishes. RFC 7643 has no way to publish a value's format, and the checker says so itself
("there is no way to guess the existence of such requirements just by looking at the object
schema"), so it sends ten random digits as a phone number, a UUID as userName and a UUID as
the extension. Switchboard refuses those by design: userName is the user's email address,
phone numbers are E.164, an extension is digits inside the account's range. This driver
teaches the checker those three formats and changes nothing else: every check runs as the
`scim2 test` command runs it, and any result other than SUCCESS fails the run.

Exit status: 0 when every check succeeds, 1 otherwise.
"""

import itertools
import random
import sys
import uuid

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from scim2_tester import filling
from scim2_tester.checkers import patch_add, patch_replace

EXTENSION_SCHEMA = "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User"

_random_value = filling.generate_random_value
# Extensions from 500 up: below the end of the default 100..999 range, clear of the owner's.
_extensions = itertools.count(500)


def _e164_mobile() -> str:
    # Indian mobile numbers: +91, then ten digits starting with 9.
    return "+919" + "".join(random.choice("0123456789") for _ in range(9))


def _leaf(path) -> tuple[str | None, str]:
    """The attribute's name and the name of the model holding it."""
    binding = path.resolve()
    if binding is None:
        return None, ""
    model = binding.target_model
    return binding.target_field_name, getattr(model, "__name__", "") if model else ""


def _with_formats(context, path, mutability=None, required=None):
    value = _random_value(context, path, mutability=mutability, required=required)
    if value is None:
        return value
    text = str(path)
    field, model = _leaf(path)
    if text.endswith("userName") or field == "user_name":
        value = f"{uuid.uuid4().hex[:16]}@checker.example.com"
    elif text.endswith("phoneNumbers.value") or (
        field == "value" and "phone" in model.lower()
    ):
        value = _e164_mobile()
    elif text == f"{EXTENSION_SCHEMA}:extension" or (
        field == "extension" and EXTENSION_SCHEMA.rsplit(":", 1)[0] not in model
        and "switchboard" in model.lower()
    ):
        value = str(next(_extensions))
    return value


filling.generate_random_value = _with_formats
patch_add.generate_random_value = _with_formats
patch_replace.generate_random_value = _with_formats


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    client = SyncSCIMClient(
        Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    )
    results = check_server(client)
    failed = 0
    for result in results:
        print(f"{result.status.name} {result.title}")
        if result.status != Status.SUCCESS:
            failed += 1
            if result.reason:
                print(f"  {result.reason}")
    passed = len(results) - failed
    print(f"scim2-tester: {passed} checks succeeded, {failed} did not")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
