"""The default list of authorities (the 22 Welsh principal councils), editable as YAML: each with its English and
Welsh names and the Welsh name's mutated forms (``cy_forms``: how it stands after "yn", "o", "gyda" ...), which the
report's generated Welsh sentences use ("yng Nghyngor Sir y Fflint", never "yn Cyngor Sir y Fflint")."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_AUTHORITIES = Path(__file__).parent / "authorities.yaml"


class WelshForms(BaseModel):
    """The Welsh name after the words that mutate it (``reports.publisher.WelshName`` once compiled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    yn: str  # the whole phrase for "in": "yng Nghyngor Sir y Fflint"
    soft: str  # after o, i, gan, ar ...: "Gyngor Sir y Fflint"
    nasal: str  # after fy: "Nghyngor Sir y Fflint"
    aspirate: str  # after â, gyda, a ...: "Chyngor Sir y Fflint"


class Authority(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    name_cy: str | None = None
    cy_forms: WelshForms | None = None

    @model_validator(mode="after")
    def _forms_are_of_the_name(self) -> Authority:
        """Only the first word of a name mutates: every form keeps the rest of the Welsh name, and "yn" becomes yn,
        yng or ym before it."""
        if self.cy_forms is None:
            return self
        if not self.name_cy:
            raise ValueError("cy_forms need name_cy, the Welsh name they are forms of")
        rest = self.name_cy.strip().partition(" ")[2]
        forms = self.cy_forms
        for label, form in (("soft", forms.soft), ("nasal", forms.nasal), ("aspirate", forms.aspirate)):
            if form.strip().partition(" ")[2] != rest or not form.strip():
                raise ValueError(f"cy_forms.{label} {form!r} must be {self.name_cy!r} with its first word mutated")
        first, _, phrase = forms.yn.strip().partition(" ")
        if first not in ("yn", "yng", "ym") or phrase != forms.nasal.strip():
            raise ValueError(f"cy_forms.yn {forms.yn!r} must be yn, yng or ym followed by the nasal form")
        return self

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an authority needs a name")
        return value.strip()


class AuthoritiesError(ValueError):
    pass


def load_authorities(path: Path = DEFAULT_AUTHORITIES) -> list[Authority]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        found = TypeAdapter(list[Authority]).validate_python(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise AuthoritiesError(f"{path}: cannot read the list of authorities: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise AuthoritiesError(f"{path}: entry {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    names = [a.name.casefold() for a in found]
    if len(set(names)) != len(names):
        raise AuthoritiesError(f"{path}: an authority is listed twice")
    return found
