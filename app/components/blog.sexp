;; The blog: index, post page, and the htmx out-of-band form of both.

(defcomp ~nav-tree (&key items current) :cache true
  (ul :class "nav-tree"
    (map (fn (i)
           (li (~nav-link :href (str "/blog/" (:slug i) "/")
                 (if (= (:slug i) current)
                   (span :aria-current "page" (:title i))
                   (:title i)))))
         items)))

(defcomp ~post-list (&key posts)
  (<>
    (h1 "Blog")
    (ul :class "posts"
      (map (fn (p)
             (li (~nav-link :href (str "/blog/" (:slug p) "/") (:title p))
                 (p :class "excerpt" (:excerpt p))))
           posts))))

(defcomp ~post-article (&key post) :cache true
  (article
    (h1 (:title post))
    (p :class "byline" "By " (:author post))
    (div :class "prose" (raw! (:body_html post)))))

;; The full page, or (for htmx) the main panel plus the aside out of band.
(defcomp ~blog-page (&key title nav current htmx &rest content)
  (if htmx
    (~post-oob :nav nav :current current content)
    (~app-layout :title title :aside (~nav-tree :items nav :current current) content)))

;; The htmx answer: the main panel (swapped into the target) and the aside,
;; swapped out of band so the navigation marks the current post.
(defcomp ~post-oob (&key nav current &rest content)
  (<>
    (section :id "main-panel" content)
    (aside :id "aside" :hx-swap-oob "outerHTML" (~nav-tree :items nav :current current))))
