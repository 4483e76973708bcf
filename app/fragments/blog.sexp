;; Fragments the blog service renders.

;; A card linking to a post: other services embed it with (frag blog link-card :slug s).
(defcomp ~link-card (&key slug)
  (let ((post (query blog post-by-slug :slug slug)))
    (when post
      (a :class "link-card" :href (str "/blog/" slug "/")
        (strong (:title post))
        (span :class "excerpt" (:excerpt post))
        (span :class "byline" (:author post))))))
