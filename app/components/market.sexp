;; The market: product cards, the listing with its filters, the product page.

(define (price pence) (format "£%.2f" (/ pence 100)))

;; Each category's palette for its products' pictures (~colour-field, in
;; media.sexp), by the category's slug; a category without one gets the
;; site's rose. Products of one category differ by their id: where the light
;; falls (the seed) and which way the colour runs (the angle).
(define category-colours
  {:fresh-produce   {:from "#40916c" :to "#d8f3dc" :accent "#f4a261"}
   :bakery          {:from "#bc6c25" :to "#fff1d0" :accent "#f2cc8f"}
   :food-cupboard   {:from "#c8553d" :to "#f6d8ae" :accent "#6a994e"}
   :drinks          {:from "#1d3557" :to "#a8dadc" :accent "#f4acb7"}
   :tea-and-coffee  {:from "#4a2c2a" :to "#e6ccb2" :accent "#a3b18a"}
   :home-and-garden {:from "#6d597a" :to "#e5d4ed" :accent "#b5c99a"}})

(define default-colours {:from "#b5476b" :to "#f4f1ee" :accent "#e9c46a"})

;; A product's picture: 480x320 on a card, 960x640 on its page (the same
;; picture, the working size being the same). On a card the name follows as
;; the heading, so the picture has no alt text of its own there.
(defcomp ~product-image (&key product (size "card"))
  (let ((id (:id product))
        (page (= size "page")))
    (~colour-field :width (if page 960 480) :height (if page 640 320)
      :colours (get category-colours (:category product) default-colours)
      :seed id :angle (mod (* id 67) 360)
      :alt (if page (:name product) "") :class "product-image")))

(defcomp ~price (&key product)
  (if (:on_sale product)
    (span :class "price"
      (del (price (:price_pence product))) " "
      (strong (price (:sale_price_pence product))))
    (span :class "price" (price (:price_pence product)))))

(defcomp ~product-card (&key product) :cache true
  (let ((stock (:stock product))
        (href (str "/market/" (:slug product) "/")))
    (article :class (list "card" (when (<= stock 0) "sold-out"))
      (~product-image :product product)
      (h3 (a :href href (:name product)))
      (div :class "badges"
        (when (:is_new product) (span :class "badge new" "New"))
        (when (:on_sale product) (span :class "badge sale" "Sale"))
        (when (<= stock 0) (span :class "badge out" "Out of stock")))
      (~price :product product)
      (~add-to-cart :product product))))

;; Adds one to the cart: with htmx the header's cart swaps in place; without,
;; the form posts and the cart page follows.
(defcomp ~add-to-cart (&key product)
  (form :class "add-to-cart" :method "post" :action "/cart/add/"
        :hx-post "/cart/add/" :hx-target "#cart-mini" :hx-swap "outerHTML"
    (input :type "hidden" :name "product_id" :value (:id product))
    (button :type "submit" :disabled (<= (:stock product) 0)
      (if (> (:stock product) 0) "Add to cart" "Sold out"))))

(defcomp ~market-filters (&key categories current sort)
  (form :class "filters" :action "/market/" :method "get"
    (label "Category"
      (select :name "category"
        (option :value "" "All")
        (map (fn (c) (option :value (:slug c) :selected (= (:slug c) current) (:name c))) categories)))
    (label "Sort by"
      (select :name "sort"
        (option :value "name" :selected (= sort "name") "Name")
        (option :value "price-asc" :selected (= sort "price-asc") "Price, low to high")
        (option :value "price-desc" :selected (= sort "price-desc") "Price, high to low")))
    (button :type "submit" "Show")))

(defcomp ~market-page (&key products categories current sort)
  (~base-layout :title "Market"
    (main :class "layout market"
      (h1 "Market")
      (~market-filters :categories categories :current current :sort sort)
      (if (empty? products)
        (p :class "empty" "No products match.")
        (div :class "grid" (map (fn (p) (~product-card :product p)) products))))))

(defcomp ~product-page (&key product)
  (~base-layout :title (:name product)
    (main :class "layout"
      (p :class "breadcrumb"
        (a :href "/market/" "Market") " › "
        (a :href (str "/market/?category=" (:category product)) (:category_name product)))
      (div :class "product"
        (div
          (~product-image :product product :size "page")
          (h1 (:name product))
          (p (:description product)))
        (div :class "buy"
          (~price :product product)
          (p :class (list "stock" (when (<= (:stock product) 0) "out"))
            (if (> (:stock product) 0) (format "%d in stock" (:stock product)) "Out of stock"))
          (~add-to-cart :product product))))))

;; The home page's picks: products on sale, cheapest first. It asks for its own
;; data and is cached by input key, taken once the query has answered: the
;; same rows give the same key (no render), changed rows a new one.
(defcomp ~market-picks (&key (count 3)) :cache true
  (let ((products (query market products :sort "price-asc")))
    (div :class "grid"
      (map (fn (p) (~product-card :product p))
           (take count (filter (fn (p) (:on_sale p)) products))))))
