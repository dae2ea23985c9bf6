"""Refill prediction accuracy on simulated households: median |error| (days) after 1, 2, 3… purchases.

Each household answers the survey; its true cycle is the survey formula × a household factor (lognormal,
the formula is only a rule of thumb) and each real interval adds noise. We compare the model with the
prior alone and with "same as the last interval". Run: ``python -m bench.refill_accuracy [--households N]``.
"""

from __future__ import annotations

import argparse
import math
import random
from statistics import median

from services.refill_model import Buy, Household, predict, prior_days

SIZES, FREEZERS, MEALS = [1, 2, 3, 4, 5], ["small", "medium", "large"], ["1", "2", "3-4", "5+"]


def simulate(rng: random.Random, purchases: int, factor_sd: float, noise_sd: float) -> tuple[Household, list[Buy], float]:
    """Return a household, its purchases and the true length of the cycle after the last one."""
    h = Household(rng.choice(SIZES), rng.choice(FREEZERS), rng.choice(MEALS))
    factor = math.exp(rng.gauss(0, factor_sd))
    amount = rng.choice([600, 1000, 1500, 2500, 3500])
    buys, day = [], 0.0
    for _ in range(purchases):
        buys.append(Buy(day=day, amount=amount, packs=amount // 200))
        day += prior_days(h, buys[-1]) * factor * math.exp(rng.gauss(0, noise_sd))
    true_next = prior_days(h, buys[-1]) * factor * math.exp(rng.gauss(0, noise_sd))
    return h, buys, true_next


def run(households: int, factor_sd: float, noise_sd: float, seed: int) -> dict[int, tuple[float, float, float]]:
    """Return {purchases: (model, prior only, last interval)} median absolute errors in days."""
    rng = random.Random(seed)
    results = {}
    for n in (1, 2, 3, 4, 6):
        model, prior, last = [], [], []
        for _ in range(households):
            h, buys, truth = simulate(rng, n, factor_sd, noise_sd)
            model.append(abs(predict(h, buys).days - truth))
            prior.append(abs(prior_days(h, buys[-1]) - truth))
            naive = buys[-1].day - buys[-2].day if n > 1 else prior_days(h, buys[-1])
            last.append(abs(naive - truth))
        results[n] = (median(model), median(prior), median(last))
    return results


EXAMPLES = (  # (label, household, true cycle in days, colour)
    ("4人・中冰箱・每週3-4餐，實際 30 天", Household(4, "medium", "3-4"), 30.0, "#d9480f"),
    ("1人・小冰箱・每週1餐，實際 26 天", Household(1, "small", "1"), 26.0, "#1971c2"),
    ("未填問卷，實際 16 天", Household(), 16.0, "#2f9e44"),
)


def trajectories(seed: int = 3, purchases: int = 7) -> list[tuple[str, str, float, float, list[float]]]:
    """Return (label, colour, prior, truth, prediction after 1..n purchases) for the example households."""
    rng = random.Random(seed)
    out = []
    for label, h, truth, colour in EXAMPLES:
        buys, day, preds = [], 0.0, []
        for _ in range(purchases):
            buys.append(Buy(day=day, amount=2000, packs=10))
            preds.append(predict(h, buys).days)
            day += truth * math.exp(rng.gauss(0, 0.15))
        out.append((label, colour, prior_days(h, buys[0]), truth, preds))
    return out


def svg(path: str) -> None:
    """Write the prior-vs-learned plot of the example households as SVG."""
    w, h, left, top, right, bottom = 640, 360, 56, 24, 250, 44
    xs, ymax = 7, 45.0

    def x(n: int) -> float:
        return left + (n - 1) * (w - left - right) / (xs - 1)

    def y(days: float) -> float:
        return top + (1 - days / ymax) * (h - top - bottom)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>']
    for d in range(0, 46, 10):
        parts.append(f'<line x1="{left}" x2="{x(xs)}" y1="{y(d):.1f}" y2="{y(d):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 8}" y="{y(d) + 4:.1f}" text-anchor="end">{d}</text>')
    for n in range(1, xs + 1):
        parts.append(f'<text x="{x(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n}</text>')
    parts.append(f'<text x="{(left + x(xs)) / 2:.1f}" y="{h - 8}" text-anchor="middle">purchases so far / 已購買次數</text>')
    turn = f"rotate(-90 14 {top + 120})"
    parts.append(f'<text x="14" y="{top + 120}" transform="{turn}" text-anchor="middle">cycle (days) / 週期（天）</text>')
    for i, (label, colour, prior, truth, preds) in enumerate(trajectories()):
        points = " ".join(f"{x(n + 1):.1f},{y(p):.1f}" for n, p in enumerate(preds))
        parts.append(f'<line x1="{left}" x2="{x(xs)}" y1="{y(prior):.1f}" y2="{y(prior):.1f}" stroke="{colour}" '
                     'stroke-dasharray="6 4" stroke-opacity="0.6"/>')
        parts.append(f'<line x1="{left}" x2="{x(xs)}" y1="{y(truth):.1f}" y2="{y(truth):.1f}" stroke="{colour}" '
                     'stroke-dasharray="1 3" stroke-width="2"/>')
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        parts += [f'<circle cx="{x(n + 1):.1f}" cy="{y(p):.1f}" r="3" fill="{colour}"/>' for n, p in enumerate(preds)]
        ly = top + 14 + i * 40
        parts.append(f'<rect x="{w - right + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{w - right + 30}" y="{ly}">{label}</text>'
                     f'<text x="{w - right + 30}" y="{ly + 16}" fill="#555">'
                     f'prior {prior:.0f} 天 → learned {preds[-1]:.0f} 天</text>')
    ly = top + 14 + 3 * 40
    parts.append(f'<text x="{w - right + 14}" y="{ly}" fill="#555">— learned / 學習後預測</text>'
                 f'<text x="{w - right + 14}" y="{ly + 16}" fill="#555">- - prior / 問卷先驗</text>'
                 f'<text x="{w - right + 14}" y="{ly + 32}" fill="#555">··· true cycle / 實際週期</text>')
    parts.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")


def main() -> None:
    """Print the accuracy table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--factor-sd", type=float, default=0.35, help="household vs formula (log sd)")
    parser.add_argument("--noise-sd", type=float, default=0.15, help="interval-to-interval noise (log sd)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--svg", metavar="PATH", help="also write the prior-vs-learned plot (docs/refill-model.svg)")
    args = parser.parse_args()
    if args.svg:
        svg(args.svg)
    out = run(args.households, args.factor_sd, args.noise_sd, args.seed)
    lines = [f"median |error| in days, {args.households} households, household factor sd {args.factor_sd}, "
             f"noise sd {args.noise_sd}",
             "purchases  model  prior-only  last-interval"]
    lines += [f"{n:>9}  {m:5.1f}  {p:10.1f}  {naive:13.1f}" for n, (m, p, naive) in out.items()]
    print("\n".join(lines))  # noqa: T201  (a benchmark prints its table)


if __name__ == "__main__":
    main()
