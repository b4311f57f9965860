"""The drill app's screens and modals."""

from tui.screens.action import ActionModal
from tui.screens.briefing import BriefingScreen
from tui.screens.debrief import DebriefScreen, debrief_lines
from tui.screens.drill import DrillScreen
from tui.screens.facilitator import FacilitatorModal
from tui.screens.help import HelpModal
from tui.screens.picker import PickerScreen
from tui.screens.prompt import PromptModal
from tui.screens.team import TeamScreen

__all__ = ["ActionModal", "BriefingScreen", "DebriefScreen", "DrillScreen",
           "FacilitatorModal", "HelpModal", "PickerScreen", "PromptModal", "TeamScreen",
           "debrief_lines"]
