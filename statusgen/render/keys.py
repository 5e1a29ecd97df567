"""Page keys: a digest of everything a page is rendered from, so an unchanged page can be reused.

A page is a pure function of its template, its URL path and the values passed to
it, given statusgen's code, the theme and ``statusgen.toml`` (which the manifest
that stores the keys is salted with). The key is a digest of the values, pickled:
pickling covers every field of every object reached, so no dependency can be
forgotten. Three things keep it cheap. Incidents, maintenance windows and
postmortems stand in the pickle as the digest of the file they were validated
from (their *fingerprint*), instead of their full text; an item's view (its shape
in lists and headers, shown by many pages) stands in as a digest of its item's
fingerprint and of what of the build's time it depends on
(:func:`statusgen.render.views.view_moment`); and the configuration and
formatter, already covered by the salt, stand in as a name. A value that cannot
be pickled gives no key: that page is always rendered.

Some pages are keyed otherwise, by what their values are made from
(:meth:`PageKeys.of_inputs`): an incident's or maintenance window's own page (10,000
of them on a large site), without making its values
(:meth:`statusgen.render.pages.PageRenderer._item_page`): the item's view digest, its
postmortem's fingerprint and what of the time its obligation depends on
(:func:`statusgen.obligations.obligation_moment`); and the list pages (a component's
later pages, history months, the publication index) by their items' view digests,
their obligations' inputs and the few other values they show, instead of pickling 50
views or obligations a page. There the completeness that pickling gives is kept by
tests that rebuild after each kind of change and compare with a full build.

Pickling is deterministic for the same values built the same way; when two
equal values happen to be built differently the keys differ and the page is
rendered again, which costs time, never correctness.
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import io
import logging
import pickle
import weakref
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any

from statusgen.model import Incident, Maintenance, Postmortem, Site

log = logging.getLogger(__name__)


def _same_as(fingerprint: bytes) -> bytes:
    """What a known object is replaced with in a key's pickle (never unpickled)."""
    return fingerprint


def _reduce_for(keys: weakref.ref[PageKeys], obj: Any) -> Any:
    found = keys()
    assert found is not None, "a PageKeys table outlived its PageKeys"
    return found._reduce(obj)


class PageKeys:
    """Computes page keys for one build, and knows the keys of the previous build's pages that are still intact."""

    def __init__(self, site: Site, fingerprints: Mapping[str, bytes], previous: Mapping[str, Container[bytes]], *,
                 constants: tuple[object, ...] = (), shared: Iterable[object] = (),
                 derived: Iterable[tuple[object, bytes]] = ()) -> None:
        """``fingerprints``: by source path, a digest of each content file's text (see :func:`content.fingerprints`);
        ``previous``: by output path, the keys of the pages of the last builds that can be reused as they are;
        ``constants``: objects fixed for the whole build by what salts the manifest (the formatter);
        ``shared``: values that many pages show (each item's view), digested once and then stood in for by it;
        ``derived``: values that many pages show, each with a digest of everything it was made from (an item's
        view: its item's fingerprint and what of the build's time it depends on), which stands in for it
        without pickling it."""
        self.previous = previous
        self._site, self._fingerprints = site, fingerprints
        # Ids are safe keys: the site and the renderer keep every one of these objects alive for the whole build.
        self._known: dict[int, bytes] = {id(site.config): b"config"}
        for n, constant in enumerate(constants):
            self._known[id(constant)] = b"constant %d" % n
        # The site's incidents are looked up when first pickled (see _reduce): a rebuild pickles a few of 10,000.
        items: list[Maintenance | Postmortem] = [*site.maintenances, *site.postmortems]
        for item in items:
            fingerprint = fingerprints.get(item.path)
            if fingerprint is not None:
                self._known[id(item)] = fingerprint
        self._shared = {id(value): value for value in shared}
        for value, digest in derived:
            self._known[id(value)] = digest
            self._shared[id(value)] = value
        # Only these types are looked up, in C, by the pickler: cheaper than a hook called for every object.
        # Through a weak reference: the table holding a bound method of this object would make a reference
        # cycle, which only a full collection frees, and a warm process makes one of these every build.
        reduce: Callable[[Any], Any] = functools.partial(_reduce_for, weakref.ref(self))
        self._reduce_hook = reduce
        self._dispatch = {**copyreg.dispatch_table, type(site.config): reduce, Incident: reduce,
                          Maintenance: reduce, Postmortem: reduce,
                          **{type(value): reduce for value in (*constants, *self._shared.values())}}

    def stand_in(self, value: object, digest: bytes) -> None:
        """From now on, ``value`` (this very object, kept alive by this table) stands in keys as ``digest``, a
        digest of everything it was made from: a value made while the pages render (a report)."""
        self._known[id(value)] = digest
        self._shared[id(value)] = value
        self._dispatch[type(value)] = self._reduce_hook

    def share(self, value: object) -> None:
        """From now on, ``value`` (this very object, kept alive by this table) stands in keys as the digest of its
        pickle, made once: a value many pages show, with nothing else to digest it by (see ``shared``)."""
        self._shared[id(value)] = value
        self._dispatch[type(value)] = self._reduce_hook

    def _reduce(self, obj: Any) -> Any:
        fingerprint = self._known.get(id(obj))
        if fingerprint is None and type(obj) is Incident and self._site.incident(obj.slug) is obj:
            fingerprint = self._fingerprints.get(obj.path)
            if fingerprint is not None:
                self._known[id(obj)] = fingerprint
        if fingerprint is None and id(obj) in self._shared:
            fingerprint = self._known[id(obj)] = self._digest(obj.__reduce_ex__(5))
        # Anything else of these types (a copy with a field changed) is pickled in full.
        return (_same_as, (fingerprint,)) if fingerprint is not None else obj.__reduce_ex__(5)

    def _digest(self, value: object) -> bytes:
        stream = io.BytesIO()
        pickler = pickle.Pickler(stream, protocol=5)
        pickler.dispatch_table = self._dispatch
        pickler.dump(value)
        return hashlib.blake2b(stream.getbuffer(), digest_size=20).digest()

    def key(self, template: str, path: str, values: Mapping[str, Any]) -> bytes | None:
        """The key of the page written at ``path`` from ``template`` and ``values``; None when it cannot be made."""
        try:
            return self._digest((template, path, values))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.debug("no key for %s: %s", path, exc)
            return None

    def of_inputs(self, template: str, path: str, inputs: tuple[object, ...]) -> bytes:
        """The key of a page keyed by what its values are made from rather than by the values (digests, times,
        flags: nothing that needs the stand-ins above); never equal to a key of values."""
        return hashlib.blake2b(pickle.dumps((b"inputs", template, path, inputs), protocol=5), digest_size=20).digest()

    def unchanged(self, path: str, key: bytes | None) -> bool:
        """Whether a previous build wrote ``path`` from the same values, and that file is still there as it wrote it."""
        return key is not None and key in self.previous.get(path, ())
