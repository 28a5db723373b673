"""The GUI-cursor family: synthetic screens, GUICursor and GUIGround envs, ScreenSpot-format data."""
