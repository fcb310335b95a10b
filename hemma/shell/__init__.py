"""The shell around the apps: what every page shows – who is acting for which unit and the
menu's badges, counted across apps. The top layer under the demo (docs/architecture.md):
it may read every domain app; no app imports it."""
