;; The blog: index, post page, and the htmx out-of-band form of both.

(defcomp ~nav-tree (&key items current) :cache true
  (<>
    (h2 "Posts")
    (ul :class "nav-tree"
      (map (fn (i)
             (li (~nav-link :href (str "/blog/" (:slug i) "/")
                   (if (= (:slug i) current)
                     (span :aria-current "page" (:title i))
                     (:title i)))))
           items))))

;; The index's aside: the months there are posts in (the list itself is the main panel).
(defcomp ~archive (&key months current) :cache true
  (<>
    (h2 "Archive")
    (ul :class "archive"
      (li (~nav-link :href "/blog/" (if current "All posts" (span :aria-current "page" "All posts"))))
      (map (fn (m)
             (li (~nav-link :href (str "/blog/?month=" (:month m))
                   (if (= (:month m) current)
                     (span :aria-current "page" (month-title (:month m)))
                     (month-title (:month m))))
                 " " (span :class "count" (:posts m))))
           months))))

(defcomp ~post-list (&key heading posts)
  (<>
    (h1 heading)
    (if (empty? posts)
      (p :class "empty" "No posts here yet.")
      (ul :class "posts"
        (map (fn (p)
               (li (~nav-link :href (str "/blog/" (:slug p) "/") (:title p))
                   (div (~date :at (:published_at p)) " · " (:author p))
                   (p :class "excerpt" (:excerpt p))))
             posts)))))

(defcomp ~post-article (&key post) :cache true
  (article
    (h1 (:title post))
    (p :class "byline" "By " (:author post) " · " (~date :at (:published_at post)))
    (div :class "prose" (raw! (:body_html post)))
    (when (not (empty? (:tags post)))
      (ul :class "tags" :aria-label "Tags" (map (fn (t) (li t)) (:tags post))))))

;; The full page, or (for htmx) the main panel plus the aside out of band.
(defcomp ~blog-page (&key title aside htmx &rest content)
  (if htmx
    (~post-oob :title title :aside aside content)
    (~app-layout :title title :aside aside content)))

;; The htmx answer: the document's new title, the main panel (swapped into
;; the target) and the aside, swapped out of band.
(defcomp ~post-oob (&key title aside &rest content)
  (<>
    (title (page-title title))
    (main :id "main-panel" content)
    (aside :id "aside" :hx-swap-oob "outerHTML" aside)))
