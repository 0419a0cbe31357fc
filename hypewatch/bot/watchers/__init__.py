"""Sources of posts: X (tweepy), Reddit (praw), Hugging Face (huggingface_hub)."""
