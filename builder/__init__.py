"""A static site generator for the armed police patrols explainer."""
