"""Reports, in one place: the blocks both report kinds are made of (`blocks`), a drill's
debrief and after-action report (`after_action`), and a batch's report (`batch`).

Both kinds render the same blocks to Markdown and self-contained HTML, and draw their
charts with the engine's plotting module (`simulator.plots`), so a chart looks the same
in a drill report and an experiment report.
"""
