;; Page shell and shared components.

;; The site's header: the logo, the sections, and the visitor's tools.
(defcomp ~masthead (&key tools)
  (header :class "site-header"
    (a :class "logo" :href "/" "Rose Ash")
    (nav (a :href "/blog/" "Blog") (a :href "/market/" "Market") (a :href "/events/" "Events") (a :href "/llm" "Ask"))
    (when tools (div :class "header-tools" tools))))

;; The header is the page's only user-scoped part: it reads the session, and
;; the cart and account services render their fragments for this visitor.
;; The analysis sees that, so shared pages get it as a hole, filled per request.
(defcomp ~header ()
  (let ((user (current-user))
        (session (session-key)))
    (~masthead
      :tools (<>
               (frag cart cart-mini :user_id (:id user) :session_key (if user nil session))
               (frag account auth-menu :name (:name user))))))

;; What the browser's tab says.
(define (page-title title) (str title " · Rose Ash"))

;; The document around every page, with the header on top. Each page brings
;; its own <main> (the layouts below).
(defcomp ~page-shell (&key title top &rest content)
  (html :lang "en"
    (head
      (meta :charset "utf-8")
      (meta :name "viewport" :content "width=device-width, initial-scale=1")
      (title (page-title title))
      (link :rel "icon" :href "/static/favicon.svg" :type "image/svg+xml")
      (link :rel "stylesheet" :href "/static/site.css")
      (script :src "/static/htmx-2.0.11.min.js" :defer true))
    (body top content)))

(defcomp ~base-layout (&key title &rest content)
  (~page-shell :title title :top (~header) content))

;; Two panes: an aside (navigation) and the main panel. htmx swaps both.
(defcomp ~app-layout (&key title aside &rest content)
  (~base-layout :title title
    (div :class "layout with-aside"
      (aside :id "aside" aside)
      (main :id "main-panel" content))))

;; A link that navigates by swapping the main panel (and out-of-band the aside).
(defcomp ~nav-link (&key href children)
  (a :href href :hx-get href :hx-target "#main-panel" :hx-swap "outerHTML" :hx-push-url "true" children))

(defcomp ~not-found (&key path)
  (~base-layout :title "Not found"
    (main :class "layout narrow"
      (h1 "Not found")
      (p "Nothing lives at " (code path) ".")
      (p (a :href "/" "Back to the start") "."))))

;; What a failed fragment shows in its place (the resolver logs the cause).
(defcomp ~fragment-error (&key service name)
  (span :class "fragment-error" :role "status" :data-fragment (str service "/" name) "Unavailable"))

;; What a request that failed answers: what happened, a reference to quote
;; (the log has the detail under it) and, in development, the detail itself.
;; It reads nothing, so it renders when the database does not.
(defcomp ~error-page (&key title message reference detail)
  (~page-shell :title title :top (~masthead)
    (main :class "layout narrow error-page"
      (h1 title)
      (p message)
      (p :class "reference" "Reference " (code reference))
      (when detail (pre :class "error-detail" detail)))))
