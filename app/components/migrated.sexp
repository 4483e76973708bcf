;; The Jinja fragments, rewritten. Their templates (app/templates/fragments/*.njk,
;; as the app had them in Jinja) are kept beside them while pages move over:
;; test/jinja-ab.test.ts renders each both ways over the same data and
;; proves the HTML the same, and /migration/ shows them side by side.

;; Text a template would print: not nil, not "".
(define (given? x) (not (empty? x)))

;; A link card, as every service shows one (blog posts, products, events,
;; received documents). card: {:href :title :excerpt :meta :kind}
(defcomp ~card-link (&key card)
  (a :class (if (given? (:kind card)) (str "link-card link-card-" (:kind card)) "link-card")
     :href (:href card)
    (strong (:title card))
    (when (given? (:excerpt card)) (span :class "excerpt" (:excerpt card)))
    (when (given? (:meta card)) (span :class "byline" (:meta card)))))

;; The header's cart: how many items, and the total (as the shop prints
;; money) once there are some. cart: {:items :total}
(defcomp ~cart-summary (&key cart oob)
  (let ((items (or (:items cart) 0)))
    (a :id "cart-mini" :class "cart-mini" :href "/cart/" :hx-swap-oob (when oob "outerHTML")
      (span :class "cart-count" items)
      (if (= items 1) " item" " items")
      (when (> items 0) (<> " · " (:total cart))))))

;; A navigation tree of any depth: items ({:title :href :children} ...),
;; the current page's href marked.
(defcomp ~nav-branch (&key items current (depth 1))
  (ul :class (str "nav-tree depth-" depth)
    (map (fn (item)
           (let ((here (= (:href item) current)))
             (li :class (when here "current")
               (if here
                 (span :aria-current "page" (:title item))
                 (a :href (:href item) (:title item)))
               ;; As the template had it: a branch whenever there are children, even none ((list) is not nil).
               (when (:children item)
                 (~nav-branch :items (:children item) :current current :depth (inc depth))))))
         items)))

(defcomp ~tree-nav (&key items current label)
  (nav :class "tree" :aria-label (or label "Contents")
    (~nav-branch :items items :current current)))

;; Across the services: one entry per container (blog, market, events,
;; federation) with how many things it holds, the current one marked.
(defcomp ~container-nav (&key containers current)
  (nav :class "container-nav" :aria-label "Sections"
    (ul
      (if (empty? containers)
        (li :class "empty" "Nothing here yet")
        (map (fn (c)
               (li :class (str "container-" (:slug c) (if (= (:slug c) current) " active" ""))
                 (a :href (:href c) (:title c))
                 (when (and (:count c) (> (:count c) 0))
                   (<> " " (span :class "count" (:count c))))))
             containers)))))

;; Across the services: each container's latest things as link cards.
(defcomp ~container-cards (&key containers)
  (div :class "container-cards"
    (map (fn (c)
           (let ((cards (:cards c)))
             (when (given? cards)
               (section :class (str "container container-" (:slug c))
                 (h2 (a :href (:href c) (:title c)))
                 (div :class "cards" (map (fn (card) (~card-link :card card)) cards))
                 (when (> (count cards) 3)
                   (p :class "more" (a :href (:href c) "All " (count cards) " in " (lower (:title c)))))))))
         containers)))

;; /migration/: each legacy fragment rendered by its Jinja template (through
;; the bridge, `jinja`) beside its rewrite, over the same sample data.
(define migration-sample
  {:card {:href "/blog/wild-garlic-pesto/" :title "Wild Garlic Pesto" :excerpt "Five minutes, one jar." :meta "Hannah Pryce" :kind "blog"}
   :cart {:items 3 :total "£12.40"}
   :user {:name "Hannah Pryce"}
   :tree (list {:title "Shop" :href "/market/"
                :children (list {:title "Bakery" :href "/market/?category=bakery"}
                                {:title "Veg" :href "/market/?category=veg"})}
               {:title "Blog" :href "/blog/"}
               {:title "Events" :href "/events/"})
   :containers (list {:slug "blog" :title "Blog" :href "/blog/" :count 2
                      :cards (list {:href "/blog/apple-day-2026/" :title "Apple Day 2026" :kind "blog"}
                                   {:href "/blog/wild-garlic-pesto/" :title "Wild Garlic Pesto" :excerpt "Five minutes." :kind "blog"})}
                     {:slug "events" :title "Events" :href "/events/" :count 0 :cards (list)})})

(defcomp ~migration-pair (&key name template &rest sexp)
  (section :class "migration-pair"
    (h2 (code name))
    (div :class "migration-sides"
      (div :class "migration-side" (h3 "Jinja: " (code template)) (div :class "migration-render" (jinja template :card (:card migration-sample) :cart (:cart migration-sample) :oob false :user (:user migration-sample) :items (:tree migration-sample) :current "/blog/" :containers (:containers migration-sample))))
      (div :class "migration-side" (h3 "s-expression") (div :class "migration-render" sexp)))))

(defcomp ~migration-page ()
  (~base-layout :title "Migration from Jinja"
    (main :class "layout migration"
      (h1 "Migration from Jinja")
      (p :class "note"
        "Each fragment the app had as a Jinja template, rendered by that template (precompiled, through the "
        (code "jinja") " bridge) and by its s-expression rewrite, over the same data. "
        (code "npx sexp ab") " proves each pair renders the same HTML; " (code "npx sexp from-jinja") " drafts a rewrite.")
      (~migration-pair :name "link-card" :template "fragments/link_card.njk" (~card-link :card (:card migration-sample)))
      (~migration-pair :name "cart-mini" :template "fragments/cart_mini.njk" (~cart-summary :cart (:cart migration-sample)))
      (~migration-pair :name "auth-menu" :template "fragments/auth_menu.njk" (~auth-menu :name (:name (:user migration-sample))))
      (~migration-pair :name "nav-tree" :template "fragments/nav_tree.njk" (~tree-nav :items (:tree migration-sample) :current "/blog/"))
      (~migration-pair :name "container-nav" :template "fragments/container_nav.njk" (~container-nav :containers (:containers migration-sample) :current "/blog/"))
      (~migration-pair :name "container-cards" :template "fragments/container_cards.njk" (~container-cards :containers (:containers migration-sample)))
      (section :class "migration-pair"
        (h2 "A template calling a component")
        (p :class "note" (code "fragments/card_list.njk") " is not rewritten yet, but calls the rewritten "
          (code "~card-link") " with " (code "sexp('(~card-link :card card)', card=c)") ":")
        (div :class "migration-render"
          (jinja "fragments/card_list.njk" :cards (:cards (first (:containers migration-sample)))))))))
