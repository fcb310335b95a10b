from django.core.cache import cache

from .models import DemoDataset

CACHE_KEY = "hemma:demo_loaded"


def demo_is_loaded() -> bool:
    """Cached briefly: every page asks, and the answer changes only when the demo is loaded."""
    loaded = cache.get(CACHE_KEY)
    if loaded is None:
        loaded = DemoDataset.objects.exists()
        cache.set(CACHE_KEY, loaded, 60)
    return loaded
