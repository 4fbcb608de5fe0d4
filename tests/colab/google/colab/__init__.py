"""Stand-in for Colab's module: a kernel that has imported it takes the setup cell's Colab branch."""
