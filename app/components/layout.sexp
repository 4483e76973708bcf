;; Page shell and shared components.

;; The header is the page's only user-scoped part: it reads the session, and
;; the cart and account services render their fragments for this visitor.
;; The analysis sees that, so shared pages get it as a hole, filled per request.
(defcomp ~header ()
  (let ((user (current-user))
        (session (session-key)))
    (header :class "site-header"
      (a :class "logo" :href "/" "Rose Ash")
      (nav (a :href "/blog/" "Blog") (a :href "/market/" "Market") (a :href "/events/" "Events"))
      (div :class "header-tools"
        (frag cart cart-mini :user_id (:id user) :session_key (if user nil session))
        (frag account auth-menu :name (:name user))))))

(defcomp ~base-layout (&key title &rest content)
  (html :lang "en"
    (head
      (meta :charset "utf-8")
      (meta :name "viewport" :content "width=device-width, initial-scale=1")
      (title (str title " · Rose Ash"))
      (link :rel "stylesheet" :href "/static/site.css")
      (script :src "/static/htmx-2.0.11.min.js" :defer true))
    (body
      (~header)
      content)))

;; Two panes: an aside (navigation) and the main panel. htmx swaps both.
(defcomp ~app-layout (&key title aside &rest content)
  (~base-layout :title title
    (div :class "layout"
      (aside :id "aside" aside)
      (section :id "main-panel" content))))

;; A link that navigates by swapping the main panel (and out-of-band the aside).
(defcomp ~nav-link (&key href children)
  (a :href href :hx-get href :hx-target "#main-panel" :hx-swap "outerHTML" :hx-push-url "true" children))

(defcomp ~not-found (&key path)
  (~base-layout :title "Not found"
    (main :class "layout single"
      (section
        (h1 "Not found")
        (p "Nothing lives at " (code path) ".")))))

;; What a failed fragment shows in its place (the resolver logs the cause).
(defcomp ~fragment-error (&key service name)
  (span :class "fragment-error" :role "status" :data-fragment (str service "/" name) "Unavailable"))
