/* work in progress: see the issue */
