"""Django's ASGI handler, with the middleware chain and the view in one thread hop,
on a reused thread."""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    """Serve Django's synchronous middleware and views from one worker thread.

    Django's own handler runs the chain in async mode: every middleware that is only
    synchronous, and every `process_request`, `process_view` and `process_response`
    of the built-in ones, crosses between the event loop and a thread on its own. Our
    views and middleware are all synchronous, so those crossings (about twenty per
    request) bought nothing and cost more CPU than the view itself. Here the chain is
    loaded in sync mode and called once in the request's thread, as under WSGI; the
    request still arrives, streams its body and answers through the ASGI handler, so
    streaming responses and disconnect handling are Django's own.

    Each request's thread-sensitive work (signals, the chain, closing the response)
    runs on one thread, as in Django's handler; but where Django starts a thread for
    every request and another to join it, the threads here are kept and reused, as a
    threaded WSGI server's are. Each keeps its own database connection, which
    `request_finished` hands back to the pool as usual.
    """

    IDLE_THREADS = 32  # kept between requests; a burst above it starts more

    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(
                f"Django can only handle ASGI/HTTP connections, not {scope['type']}."
            )
        executor = self._idle.pop() if self._idle else self._new_thread()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # A request cancelled mid-view (its client gone) may still hold the
            # thread; the next request's work then queues behind it, in order.
            if len(self._idle) < self.IDLE_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    @staticmethod
    def _new_thread() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-request")

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
