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

;; Post headers' palettes, in the site's rose and its neighbours: a post
;; takes one by its id, and its id places the light and turns the colour.
(define post-colours
  (list {:from "#c65b7c" :to "#fde8e1" :accent "#f6bd60"}
        {:from "#6a6f9e" :to "#f3e8ee" :accent "#e8a5b8"}
        {:from "#6b9080" :to "#f6fff8" :accent "#e9b9a3"}
        {:from "#8e5572" :to "#f9e0d9" :accent "#9ab7d3"}))

;; A post's header picture, 960x320: its own, drawn from the post's id. It
;; only decorates (the title follows), so it has no alt text.
;;
;; Every different seed is a render job, and a post federated from another
;; instance brings its own :id (any number the remote document says). So the
;; picture depends on the id modulo 360 only (rounded first: a fractional id
;; would be a new seed and angle too): the palette (mod 4) and the angle
;; (mod 360) already did, and now the seed does. A local post (ids below 360)
;; keeps exactly its picture, and a remote document can ask for at most 360
;; different headers.
(defcomp ~post-header (&key post)
  (let ((id (mod (round (:id post)) 360)))
    (~colour-field :width 960 :height 320
      :colours (nth post-colours (mod id (count post-colours)))
      :seed (+ 1000 id) :angle (mod (* id 67) 360)
      :alt "" :class "post-header")))

;; A post: its header, title, byline, body (the children) and tags. The
;; body comes as children so a post another instance federated, as
;; (~post-article :post {...} (p "...") ...), is shown by this site's own
;; ~post-article; the blog's route passes its stored HTML.
(defcomp ~post-article (&key post &rest body) :cache true
  (article
    (~post-header :post post)
    (h1 (:title post))
    (p :class "byline" "By " (:author post) " · " (~date :at (:published_at post)))
    (div :class "prose" body)
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
