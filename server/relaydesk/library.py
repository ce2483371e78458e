"""Serve the library of scripted messages and URLs: the team's shared one, and each rep's own."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .auth import same_origin, signed_in, store
from .store import Refused

bp = Blueprint("library", __name__, url_prefix="/rep/scripts")


@bp.before_request
def reps_only():
    signed_in()
    if request.method != "GET" and not same_origin():
        abort(403)


@bp.get("")
def listing():
    return jsonify(store().scripts(signed_in().id))


@bp.post("")
def add_mine():
    """Add one of the rep's own scripts; a bad one gets a 400 with the reason."""
    data = request.get_json(silent=True) or {}
    try:
        store().add_script(signed_in().id, str(data.get("kind", "")), str(data.get("category", "")),
                           str(data.get("title", "")), str(data.get("body", "")), str(data.get("language", "")))
    except Refused as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(store().scripts(signed_in().id)), 201


@bp.delete("/<int:script_id>")
def delete_mine(script_id: int):
    store().delete_script(script_id, signed_in().id)
    return jsonify(store().scripts(signed_in().id))
