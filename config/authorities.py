"""The default list of authorities (the 22 Welsh principal councils), editable as YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    field_validator,
)

DEFAULT_AUTHORITIES = Path(__file__).parent / "authorities.yaml"


class Authority(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    name_cy: str | None = None

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
