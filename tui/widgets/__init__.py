"""Drill widgets: feed, metrics, chart, forecast panel and the status line."""

from tui.widgets.chart import Chart
from tui.widgets.feed import Feed, Post, post_source
from tui.widgets.forecast import Forecast
from tui.widgets.metrics import Metrics
from tui.widgets.status import StatusLine

__all__ = ["Chart", "Feed", "Forecast", "Metrics", "Post", "StatusLine", "post_source"]
