from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from guanxi.customers import services
from guanxi.customers.models import Customer, Vehicle


@login_required
def customer_list(request):
    rows = Customer.objects.restrict(request.user).order_by("-pk")[:50]
    return render(request, "customers/customer_list.html", {"rows": rows})


@login_required
def vehicle_list(request):
    rows = Vehicle.objects.restrict(request.user).order_by("-pk")[:50]
    return render(request, "customers/vehicle_list.html", {"rows": rows})


@login_required
def customer_detail(request, pk):
    customer = services.get_customer(request.user, pk)
    return render(request, "customers/customer_detail.html", {"customer": customer})
