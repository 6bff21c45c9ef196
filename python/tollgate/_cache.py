"""``JwksCache``: a key set kept fresh from a fetch function, refetched when a token names an
unknown ``kid`` (at most once per cooldown), keeping the old keys when a refetch fails."""
import threading
import time
from typing import Any, Callable, Dict, Optional

from ._convert import Text
from ._errors import TokenError
from ._jwt import KeySet, Policy, verify


class JwksCache:
    """Holds the :class:`KeySet` of a JWKS endpoint (the PyJWKClient pattern).

    ``fetch()`` returns the JWKS document (``bytes`` or ``str``); it is called on first use,
    then again only when a token's ``kid`` is unknown and at least ``cooldown`` seconds have
    passed since the last fetch attempt, so forged ``kid``s cannot hammer the endpoint. When a
    refetch raises or returns a document tollgate rejects, the old keys stay in use (the error
    is kept in :attr:`last_error`). Thread-safe: one fetch at a time, verifications never wait
    for a fetch unless they need its result. ``clock`` (monotonic seconds) is for tests.
    """

    def __init__(self, fetch: Callable[[], Text], cooldown: float = 300,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not callable(fetch):
            raise TypeError("fetch must be callable")
        if cooldown < 0:
            raise ValueError("cooldown must be >= 0")
        self._fetch = fetch
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: Optional[KeySet] = None
        self._last_attempt: Optional[float] = None
        #: The exception of the last failed fetch or parse (None after a success).
        self.last_error: Optional[BaseException] = None

    def _load(self) -> KeySet:
        """Fetch and parse, recording the attempt (caller holds the lock)."""
        self._last_attempt = self._clock()
        try:
            keys = KeySet.from_jwks(self._fetch())
        except Exception as e:
            self.last_error = e
            raise
        self._keys = keys
        self.last_error = None
        return keys

    @property
    def keys(self) -> KeySet:
        """The current key set, fetched on first use (a first fetch that fails raises)."""
        keys = self._keys
        if keys is not None:
            return keys
        with self._lock:
            if self._keys is not None:
                return self._keys
            return self._load()

    def refresh(self, seen: Optional[KeySet] = None) -> Optional[KeySet]:
        """A newer key set than ``seen`` (default: the current one): the one another thread
        loaded meanwhile, or a refetch if the cooldown has passed. None when there is none (in
        cooldown, or the refetch failed and the old keys stay)."""
        with self._lock:
            current = self._keys
            if seen is None:
                seen = current
            if current is not None and current is not seen:
                return current
            if (self._last_attempt is not None
                    and self._clock() - self._last_attempt < self._cooldown):
                return None
            try:
                return self._load()
            except Exception:
                return None

    def verify(self, policy: Policy, token: Text, now: Optional[float] = None) -> Dict[str, Any]:
        """:func:`tollgate.verify` with the cached keys; on ``unknown_kid`` the keys are
        refreshed (subject to the cooldown) and the token tried once more."""
        keys = self.keys
        try:
            return verify(keys, policy, token, now)
        except TokenError as e:
            if e.name != "unknown_kid":
                raise
            newer = self.refresh(keys)
            if newer is None:
                raise
            return verify(newer, policy, token, now)
