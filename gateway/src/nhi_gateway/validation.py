"""Request validation with real date checks and problems that name the failing field."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
import typing as t

import jsonschema
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, DefaultsJSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from starlette.datastructures import Headers

from .problems import Problem, field_error

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# jsonschema registers "date" for draft 3 and 7+ but not for draft 4 (which Connexion uses), and
# "date-time" only when rfc3339-validator is installed: without this, 2025-02-30 would pass.
FORMAT_CHECKER = FormatChecker()
for _name, _func in Draft4Validator.FORMAT_CHECKER.checkers.items():
    FORMAT_CHECKER.checkers[_name] = _func


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATE.match(instance)) and dt.date.fromisoformat(instance) is not None


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATE_TIME.match(instance)) and dt.datetime.fromisoformat(instance.replace("z", "Z")) is not None


def _message(error: ValidationError) -> str:
    """A message that never echoes the submitted value (it may be a My Number)."""
    keyword, value = error.validator, error.validator_value
    if keyword == "format":
        return f"is not a valid {value}"
    if keyword == "type":
        return f"must be of type {value}"
    if keyword == "enum":
        return "must be one of " + ", ".join(str(v) for v in value)
    if keyword == "pattern":
        return f"must match {value}"
    if keyword in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        return f"violates {keyword} {value}"
    if keyword == "required":
        return "is required"
    if keyword == "additionalProperties":
        return "is not allowed"
    return f"violates {keyword}"


def _path(parts: t.Iterable) -> str:
    """A field path in the one style of every problem, schema or rule: `persons[0].my_number`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_errors(error: ValidationError) -> list[dict]:
    """The field errors one jsonschema error stands for (a missing or extra property is named itself)."""
    base = list(error.absolute_path)
    names: list[str] = []
    if error.validator == "required" and isinstance(error.instance, dict):
        # jsonschema yields one error per missing property; its message names it.
        match = _REQUIRED.match(error.message)
        names = [match.group(1)] if match else [n for n in error.validator_value if n not in error.instance][:1]
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        names = sorted(set(error.instance) - set(error.schema.get("properties", {})))
    fields = [_path([*base, n]) for n in names] or [_path(base)]
    return [field_error(f or "body", _message(error), str(error.validator)) for f in fields]


def _dedupe(errors: list[dict]) -> list[dict]:
    seen, out = set(), []
    for e in errors:
        key = (e["field"], e["rule"])
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _summary(errors: list[dict]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']} {first['message']}{more}"


def _no_constant(name: str) -> t.NoReturn:
    raise ValueError(name)


def _malformed(detail: str) -> Problem:
    return Problem(400, detail, kind="malformed-json", errors=[field_error("body", "is not valid JSON", "json")])


def _required_body() -> Problem:
    return Problem(
        400, "the request body is required", kind="validation", errors=[field_error("body", "is required", "required")]
    )


@functools.lru_cache(maxsize=512)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A schema pattern read as ECMA-262 reads it: a final `$` is the end of the text. Python's `$` also matches
    before a final line feed, so "H1\\n" would pass `^[^\\x00-\\x1F\\x7F]+$`."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_ParamSchemaValidator = jsonschema.validators.extend(Draft4Validator, {"pattern": _pattern})


class BodyValidator(DefaultsJSONRequestBodyValidator):
    """JSON bodies: defaults filled in, every schema error reported with its field."""

    @property
    def _validator(self):
        return _made_once(
            _BODY_VALIDATORS, self._schema, lambda: _BodySchemaValidator(self._schema, format_checker=FORMAT_CHECKER)
        )

    @staticmethod
    def extend_with_set_default(validator_class):
        """Defaults filled in only where the body is an object: an array or a number is refused, not crashed on."""
        validate_properties = validator_class.VALIDATORS["properties"]

        def set_defaults(validator, properties, instance, schema):
            if isinstance(instance, dict):
                for name, subschema in properties.items():
                    if "default" in subschema:
                        instance.setdefault(name, subschema["default"])
            yield from validate_properties(validator, properties, instance, schema)

        return jsonschema.validators.extend(validator_class, {"properties": set_defaults, "pattern": _pattern})

    async def wrap_receive(self, receive, *, scope):
        """A body must say it is JSON: without a Content-Type the handler would get bytes after validation."""
        headers = Headers(scope=scope)
        length = headers.get("content-length", "0")
        if self._required and (not length.isdigit() or not int(length)):
            raise _required_body()
        if not headers.get("content-type"):
            raise Problem(
                415,
                "the request body needs Content-Type: application/json",
                errors=[field_error("Content-Type", "is required: application/json", "required")],
            )
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream, scope) -> t.Any:
        raw = b"".join([message async for message in stream])
        if not raw:
            return None
        try:
            text = raw.decode(self._encoding)
        except LookupError:
            raise Problem(
                415,
                f"the charset {self._encoding!r} is not supported; send UTF-8",
                errors=[field_error("Content-Type", "names an unknown charset", "charset")],
            ) from None
        except UnicodeDecodeError:
            raise _malformed("the request body is not valid JSON (encoding)") from None
        try:
            return json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise _malformed(f"the request body is not valid JSON (line {exc.lineno} column {exc.colno})") from None
        except RecursionError:
            raise _malformed("the request body is nested too deeply") from None
        except ValueError:
            # Python's own limit: an integer of more than 4,300 digits, or NaN / Infinity (no JSON numbers).
            raise _malformed(
                "the request body holds a number this API cannot read (NaN, Infinity, 4,300+ digits)"
            ) from None

    def _validate(self, body: t.Any) -> dict | None:
        if body is None:
            if not self._nullable:
                raise _required_body()
            return None
        validator = self._validator
        errors = []
        for error in sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
            errors.extend(schema_errors(error))
        if errors:
            errors = _dedupe(errors)
            raise Problem(400, _summary(errors), kind="validation", errors=errors)
        return body


_BodySchemaValidator = BodyValidator.extend_with_set_default(Draft4RequestValidator)

# A parameter or a request body schema of the spec (a dict that lives as long as its app) -> (that dict, the
# validator of its schema). Made once per parameter or body, not per request: building a jsonschema validator cost
# more than validating (a body's validator class was made anew for every request, an attrs class each time).
# Bounded, for processes that build many apps (tests): the spec has a few hundred parameters and bodies.
_PARAM_VALIDATORS: dict[int, tuple[dict, Draft4Validator]] = {}
_BODY_VALIDATORS: dict[int, tuple[dict, Draft4Validator]] = {}
_MAX_VALIDATORS = 4096


def _made_once(cache: dict[int, tuple[dict, Draft4Validator]], spec_part: dict, make) -> Draft4Validator:
    cached = cache.get(id(spec_part))
    if cached is None or cached[0] is not spec_part:  # `is`: an id is reused only once its dict is gone
        cached = (spec_part, make())
        if len(cache) >= _MAX_VALIDATORS:
            cache.clear()
        cache[id(spec_part)] = cached
    return cached[1]


def _param_validator(param: dict) -> Draft4Validator:
    return _made_once(
        _PARAM_VALIDATORS,
        param,
        lambda: _ParamSchemaValidator(copy.deepcopy(param.get("schema", param)), format_checker=FORMAT_CHECKER),
    )


class ParamValidator(ParameterValidator):
    """Path, query and header parameters, checked with the same formats; all errors reported."""

    @staticmethod
    def _check(value, param) -> list[dict]:
        if is_nullable(param) and is_null(value):
            return []
        name = param["name"]
        if value is None:
            return [field_error(name, "is required", "required")] if param.get("required") else []
        return [dict(e, field=name) for err in _param_validator(param).iter_errors(value) for e in schema_errors(err)]

    def validate_request(self, request) -> None:
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                raise Problem(
                    400,
                    "unknown query parameters: " + ", ".join(sorted(extra)),
                    kind="validation",
                    errors=[field_error(n, "is not a parameter of this operation", "unknown") for n in sorted(extra)],
                )
        sources = {
            "query": lambda p: request.query_params.get(p["name"]),
            "path": lambda p: request.path_params.get(p["name"].replace("-", "_")),
            "header": lambda p: request.headers.get(p["name"]),
            "cookie": lambda p: request.cookies.get(p["name"]),
        }
        errors: list[dict] = []
        for where, get in sources.items():
            for param in self.parameters.get(where, []):
                errors.extend(self._check(get(param), param))
        if errors:
            errors = _dedupe(errors)
            raise Problem(400, _summary(errors), kind="validation", errors=errors)


def validator_map() -> dict:
    """Connexion's validators with ours for JSON bodies and parameters."""
    mapping = copy.copy(VALIDATOR_MAP)
    body = copy.copy(VALIDATOR_MAP["body"])
    body["*/*json"] = BodyValidator
    mapping["body"] = body
    mapping["parameter"] = ParamValidator
    return mapping
