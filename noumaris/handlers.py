"""Django's ASGI handler, with the middleware chain and the view in one thread hop."""

from asgiref.sync import sync_to_async
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
    """

    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
