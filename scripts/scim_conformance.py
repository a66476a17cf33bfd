"""Runs every scim2-tester check against a live Switchboard SCIM endpoint, twice.

Usage: python scim_conformance.py BASE_URL TOKEN [--unaided]

The checker fills resources with random values chosen from the attribute types the server
publishes. RFC 7643 has no way to publish a value's format, and the checker says so itself
("there is no way to guess the existence of such requirements just by looking at the object
schema"), so it sends ten random digits as a phone number and a UUID as the extension.

- By default this driver teaches the checker two formats Switchboard holds to: a phone
  number it can read (here an E.164 mobile) and an extension of digits inside the account's
  range. It changes nothing else: every check runs as `scim2 test` runs it, and any result
  other than SUCCESS fails the run.
- With --unaided the checker runs exactly as `scim2 test` does, with its plain random
  values. The one thing Switchboard refuses there by design is an extension that is not
  digits (it is the number people dial); a check that fails for any other reason fails the
  run.

Exit status: 0 when every check passes as described, 1 otherwise.
"""

import itertools
import random
import re
import sys

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
    if text.endswith("phoneNumbers.value") or (
        field == "value" and "phone" in model.lower()
    ):
        value = _e164_mobile()
    elif text == f"{EXTENSION_SCHEMA}:extension" or (
        field == "extension" and EXTENSION_SCHEMA.rsplit(":", 1)[0] not in model
        and "switchboard" in model.lower()
    ):
        value = str(next(_extensions))
    return value


# What Switchboard refuses by design in an unaided run: an extension that is not digits.
BY_DESIGN = re.compile(r'^extension: ".*" must contain digits only$')


def _teach_formats() -> None:
    filling.generate_random_value = _with_formats
    patch_add.generate_random_value = _with_formats
    patch_replace.generate_random_value = _with_formats


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    unaided = "--unaided" in sys.argv[3:]
    if not unaided:
        _teach_formats()
    client = SyncSCIMClient(
        Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
    )
    results = check_server(client)
    passed = by_design = failed = 0
    for result in results:
        print(f"{result.status.name} {result.title}")
        if result.status == Status.SUCCESS:
            passed += 1
            continue
        reason = (result.reason or "").strip()
        if reason:
            print(f"  {reason}")
        if unaided and result.status == Status.ERROR and BY_DESIGN.match(reason):
            by_design += 1
        else:
            failed += 1
    mode = "unaided" if unaided else "with formats"
    print(
        f"scim2-tester ({mode}): {passed} checks succeeded, {by_design} refused an "
        f"extension that is not digits (by design), {failed} failed otherwise"
    )
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
