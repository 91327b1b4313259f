"""Clustering vectors for RAPTOR, two ways (``raptor.clustering_method``, as RAGFlow v0.27 names them).

``"gmm"`` (the default) reduces their dimension, fits Gaussian mixtures and keeps the best by BIC:

1. Vectors are scaled to unit length and reduced with PCA to at most :data:`DIMENSIONS`
   components, and fewer than the number of vectors minus one: a Gaussian mixture estimates a
   covariance per cluster, which needs more points than dimensions.
2. Mixtures of 1 to ``max_clusters`` components (never as many as there are vectors, so every
   level of the tree is smaller than the one below) are fitted, each seeded with ``seed``; the
   one with the lowest Bayesian information criterion wins. Covariances are diagonal, with a
   floor of :data:`RELATIVE_FLOOR` of the points' variance: with a few dozen points in a dozen
   dimensions, full covariances collapse onto the points, their likelihood grows without bound
   and BIC then prefers a cluster per point; diagonal ones with a floor find the groups.
3. A vector joins every cluster whose probability for it is at least ``threshold`` (soft
   clustering, as in the RAPTOR paper: a passage may feed several summaries), and its most
   probable cluster when none reaches it. Clusters with the same members are kept once.
4. Clusters are listed by their first member, each member list in input order.

``"ahc"`` (agglomerative hierarchical clustering) joins the unit vectors pairwise by average cosine
distance — no reduction: the linkage works on the original space — and cuts the dendrogram at its
largest gap between successive merge distances, the natural number of groups, kept between 2 and
``max_clusters`` (and below the number of vectors). Membership is hard (``threshold`` plays no
part): each vector feeds one summary. Unlike a mixture it has no seed and no preferred cluster
shape, so groups of very different sizes survive (the "uniform effect" that makes a mixture split
big topics and merge small ones is why RAGFlow added it).

The same vectors, settings and seed give the same clusters.

Why PCA and not UMAP (which RAGFlow uses): umap-learn pulls in numba and llvmlite (a JIT
compiler, ~150 MB installed, seconds of compilation at first use in every worker process) and
its results vary with threading unless it runs single-threaded; scikit-learn's PCA is exact,
deterministic, and cheap at these sizes, and the Gaussian mixture that does the clustering is
scikit-learn's in either case. Reducing to a dozen linear components keeps what separates topics
in sentence embeddings well enough for a mixture to find them; the paper's point — cluster, then
summarise — does not depend on the reduction being non-linear.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # scikit-learn and SciPy take a second to import: only RAPTOR's clustering needs them
    import numpy as np
    import numpy.typing as npt
    from sklearn.mixture import GaussianMixture

    Vectors = npt.NDArray[np.float32]

DIMENSIONS = 12
"""The most components vectors are reduced to before clustering."""
RELATIVE_FLOOR = 0.03
"""Each cluster's variance per dimension is at least this share of the points' mean variance."""
SAME = 1e-6
"""Vectors closer than this (after scaling) are one point: there is nothing to split."""

Method = Literal["gmm", "ahc"]


def cluster(
    vectors: Vectors, *, max_clusters: int, threshold: float, seed: int, method: Method = "gmm"
) -> list[list[int]]:
    """Clusters of the rows of ``vectors`` as lists of row numbers; see the module docstring."""
    import numpy as np

    count = len(vectors)
    if count == 0:
        return []
    if count <= 2:
        return [list(range(count))]
    points = _unit(np.asarray(vectors, dtype=np.float64))
    if float(np.max(np.abs(points - points[0]))) < SAME:
        return [list(range(count))]
    if method == "ahc":
        return _agglomerative(points, min(max_clusters, count - 1))
    reduced = _reduce(points, seed)
    mixture = _best_mixture(reduced, min(max_clusters, count - 1), seed)
    if mixture is None:
        return [list(range(count))]
    return memberships(mixture.predict_proba(reduced), threshold)


def _unit(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    import numpy as np

    norms = np.linalg.norm(points, axis=1, keepdims=True)
    return points / np.where(norms == 0, 1.0, norms)


def _reduce(points: npt.NDArray[np.float64], seed: int) -> npt.NDArray[np.float64]:
    from sklearn.decomposition import PCA

    components = max(1, min(DIMENSIONS, len(points) - 2, points.shape[1]))
    reduced: npt.NDArray[np.float64] = PCA(n_components=components, svd_solver="full", random_state=seed).fit_transform(
        points
    )
    return reduced


def _agglomerative(points: npt.NDArray[np.float64], most: int) -> list[list[int]]:
    """Average-linkage clusters by cosine distance, cut at the largest gap (2..``most`` groups)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    if most < 2:
        return [list(range(len(points)))]
    merges = linkage(points, method="average", metric="cosine")
    heights = merges[:, 2]  # non-decreasing for average linkage; after merge i, count - i - 1 groups
    count = len(points)
    # cutting between merge i and i + 1 leaves count - i - 1 groups: keep it within 2..most
    first, last = max(0, count - most - 1), count - 3
    gaps = heights[first + 1 : last + 2] - heights[first : last + 1]
    groups = count - (first + int(np.argmax(gaps))) - 1
    labels = fcluster(merges, t=groups, criterion="maxclust")
    members: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        members.setdefault(int(label), []).append(row)
    return sorted(members.values(), key=lambda rows: rows[0])


def _best_mixture(points: npt.NDArray[np.float64], most: int, seed: int) -> GaussianMixture | None:
    """The mixture of 1..``most`` components with the lowest BIC (``None`` when ``most`` < 2)."""
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    if most < 2:
        return None
    floor = max(RELATIVE_FLOOR * float(np.mean(np.var(points, axis=0))), 1e-9)
    best: tuple[float, GaussianMixture] | None = None
    with warnings.catch_warnings():
        # a mixture that has not converged in its iterations is still a fair candidate: BIC judges it
        warnings.simplefilter("ignore", ConvergenceWarning)
        for components in range(1, most + 1):
            mixture = GaussianMixture(
                n_components=components, covariance_type="diag", reg_covar=floor, random_state=seed
            ).fit(points)
            score = float(mixture.bic(points))
            if best is None or score < best[0]:
                best = (score, mixture)
    return None if best is None else best[1]


def memberships(probabilities: npt.NDArray[np.float64], threshold: float) -> list[list[int]]:
    """Clusters from each row's cluster probabilities: every cluster at ``threshold`` or above, else
    the likeliest; clusters with the same members once; ordered by first member."""
    import numpy as np

    members: dict[int, list[int]] = {}
    for row, chances in enumerate(probabilities):
        chosen = np.flatnonzero(chances >= threshold)
        for component in chosen if len(chosen) else [int(np.argmax(chances))]:
            members.setdefault(int(component), []).append(row)
    unique = {tuple(rows): None for rows in members.values()}
    return sorted((list(rows) for rows in unique), key=lambda rows: (rows[0], len(rows)))
