"""Connexion's decoration of a handler, built once per operation instead of on every request.

Connexion 3 registers each operation with Flask as a `FlaskOperation` that builds its decorators anew for every
request: a `FlaskDecorator`, then the parameter and response decorators around the handler, reading the handler's
signature (`inspect.signature`) each time; that was a tenth of the gateway's CPU for a confirmation. Here they are
built when the operation is registered. The request is still read per request, the same way (Flask's request with
the operation's URI parser), and the handler gets the same arguments and gives the same answer.
"""

from __future__ import annotations

import functools
import typing as t

from connexion.apps.flask import FlaskOperation
from connexion.decorators import FlaskDecorator


class DecoratedOperation:
    """A Connexion operation's view function whose decorators were built once."""

    def __init__(self, operation: FlaskOperation) -> None:
        self.decorator = FlaskDecorator(pythonic_params=operation.pythonic_params, jsonifier=operation.jsonifier)
        self.handler = self.decorator.decorate(operation.__wrapped__)
        functools.update_wrapper(self, operation.__wrapped__)

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        # As FlaskOperation: Flask's view arguments are not used, the decorators read them from the request.
        request = self.decorator.framework.get_request(uri_parser=self.decorator.uri_parser)
        return self.handler(request)


class ViewFunctions(dict):
    """Flask's endpoint -> view function map, in which a Connexion operation is decorated as it is registered
    (Connexion registers its operations when it builds its middleware, at the first request)."""

    def __setitem__(self, endpoint: str, view: t.Callable) -> None:
        if isinstance(view, FlaskOperation):
            view = DecoratedOperation(view)
        super().__setitem__(endpoint, view)
