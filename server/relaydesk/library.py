"""Serve the library of scripted messages and URLs: the team's shared one, and each rep's own."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .auth import current_rep, same_origin, store
from .store import Refused

bp = Blueprint("library", __name__, url_prefix="/rep/scripts")


@bp.before_request
def reps_only():
    if current_rep() is None:
        abort(401)
    if request.method != "GET" and not same_origin():
        abort(403)


@bp.get("")
def listing():
    return jsonify(store().scripts(current_rep().id))


@bp.post("")
def add_mine():
    """Add one of the rep's own scripts; a bad one gets a 400 with the reason."""
    data = request.get_json(silent=True) or {}
    try:
        store().add_script(current_rep().id, str(data.get("kind", "")), str(data.get("category", "")),
                           str(data.get("title", "")), str(data.get("body", "")))
    except Refused as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(store().scripts(current_rep().id)), 201


@bp.delete("/<int:script_id>")
def delete_mine(script_id: int):
    store().delete_script(script_id, current_rep().id)
    return jsonify(store().scripts(current_rep().id))
