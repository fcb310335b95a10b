from .selectors import demo_is_loaded


def demo_banner(request):
    """The "DEMO – fiktiva patienter" banner while the demo region is loaded. The demo
    adds it itself: nothing below the demo imports it."""
    return {"hemma_demo": demo_is_loaded()}
